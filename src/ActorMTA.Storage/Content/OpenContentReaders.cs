using System.Collections.Concurrent;

namespace ActorMTA.Storage.Content;

/// <summary>
/// How many read handles are open on each stored content, keyed by the part all names of one content share
/// ("xx/stem"). A released file may only be reused as a <see cref="SpareFilePool"/> file when nobody still
/// reads it through a handle opened before the release: an unlinked file keeps its bytes for open handles,
/// a reused one would not.
/// </summary>
internal sealed class OpenContentReaders
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public static string ContentKeyOf(string reference) => reference[..reference.LastIndexOf('.')];

    public void Enter(string contentKey) => _open.AddOrUpdate(contentKey, 1, static (_, n) => n + 1);

    public void Exit(string contentKey)
    {
        while (_open.TryGetValue(contentKey, out var n))
        {
            if (n <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(contentKey, n)) : _open.TryUpdate(contentKey, n - 1, n))
                return;
        }
    }

    public bool AnyOpen(string contentKey) => _open.ContainsKey(contentKey);
}
