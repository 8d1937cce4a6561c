using ActorMTA.Storage;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>Wraps a content store and counts what a mailbox does with it (reads must stay at zero for SELECT).</summary>
public sealed class CountingContentStore(IContentStore inner) : IContentStore
{
    private int _reads;
    private int _addedReferences;

    public int Reads => Volatile.Read(ref _reads);
    public int AddedReferences => Volatile.Read(ref _addedReferences);

    public ContentWriter BeginWrite(string queueId) => inner.BeginWrite(queueId);

    public Task<IReadOnlyList<string>> CommitAsync(ContentWriter writer, int references, CancellationToken cancellationToken = default) =>
        inner.CommitAsync(writer, references, cancellationToken);

    public void Abort(ContentWriter writer) => inner.Abort(writer);

    public Stream OpenRead(string reference)
    {
        Interlocked.Increment(ref _reads);
        return inner.OpenRead(reference);
    }

    public long GetLength(string reference)
    {
        Interlocked.Increment(ref _reads);
        return inner.GetLength(reference);
    }

    public string AddReference(string reference)
    {
        Interlocked.Increment(ref _addedReferences);
        return inner.AddReference(reference);
    }

    public void Release(string reference) => inner.Release(reference);

    public bool Exists(string reference) => inner.Exists(reference);
}
