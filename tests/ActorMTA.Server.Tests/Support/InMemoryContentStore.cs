using System.Collections.Concurrent;
using ActorMTA.Storage;

namespace ActorMTA.Server.Tests.Support;

/// <summary>Content references without files: enough for entities, which only hold and release references.</summary>
public sealed class InMemoryContentStore : IContentStore
{
    private readonly ConcurrentDictionary<string, byte[]> _live = new();
    private readonly ConcurrentQueue<string> _released = new();
    private long _next;

    public IReadOnlyCollection<string> Released => _released.ToArray();

    public bool IsReleased(string reference) => _released.Contains(reference);

    /// <summary>A committed reference, as the SMTP session would hand to a mailbox or queue.</summary>
    public string Add(string queueId, string body = "body")
    {
        var reference = $"{queueId}.{Interlocked.Increment(ref _next)}";
        _live[reference] = System.Text.Encoding.ASCII.GetBytes(body);
        return reference;
    }

    public ContentWriter BeginWrite(string queueId) => throw new NotSupportedException("entities never write content");

    public Task<IReadOnlyList<string>> CommitAsync(ContentWriter writer, int references, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("entities never write content");

    public void Abort(ContentWriter writer) => throw new NotSupportedException("entities never write content");

    public Stream OpenRead(string reference) => new MemoryStream(_live[reference], writable: false);

    public long GetLength(string reference) => _live[reference].Length;

    public string AddReference(string reference)
    {
        var copy = $"{reference}+{Interlocked.Increment(ref _next)}";
        _live[copy] = _live[reference];
        return copy;
    }

    public void Release(string reference)
    {
        if (_live.TryRemove(reference, out _)) _released.Enqueue(reference);
    }

    public bool Exists(string reference) => _live.ContainsKey(reference);
}
