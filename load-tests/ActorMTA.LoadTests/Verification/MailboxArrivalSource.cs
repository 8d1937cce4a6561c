using ActorMTA.LoadTests.Metrics;

namespace ActorMTA.LoadTests.Verification;

/// <summary>
/// What reading X-Load-Ids from mailboxes over POP3 and over IMAP have in common: up to 8 mailboxes at a time,
/// a failed mailbox counted as an error and left out, the id of every message cached by its stable key (UIDL or
/// UID) so that polling a growing mailbox reads only the new messages, and the run's ids counted per mailbox.
/// </summary>
/// <typeparam name="TKey">The protocol's stable message key.</typeparam>
internal abstract class MailboxArrivalSource<TKey>(string runId, ErrorCounter errors) : IArrivalSource where TKey : notnull
{
    private readonly Dictionary<string, Dictionary<TKey, string?>> _idsByKey = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public async Task<Dictionary<string, Dictionary<string, int>>> ScanAsync(IReadOnlyCollection<string> mailboxes, CancellationToken cancel)
    {
        var result = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        await ForEachMailboxAsync(mailboxes, "verify", cancel, async box =>
        {
            var counts = await ScanOneAsync(box, delete: false);
            lock (_gate) result[box] = counts.Counts;
        });
        return result;
    }

    public async Task<long> DeleteAsync(IReadOnlyCollection<string> mailboxes, CancellationToken cancel)
    {
        long deleted = 0;
        await ForEachMailboxAsync(mailboxes, "verify-delete", cancel,
            async box => Interlocked.Add(ref deleted, (await ScanOneAsync(box, delete: true)).Deleted));
        return deleted;
    }

    /// <summary>Logs into one mailbox, reads the ids of messages not yet in <see cref="CacheOf"/>, and deletes the run's messages when asked.</summary>
    protected abstract Task<(Dictionary<string, int> Counts, long Deleted)> ScanOneAsync(string box, bool delete);

    /// <summary>The ids already read from <paramref name="box"/>, by message key (null: the message has no X-Load-Id).</summary>
    protected Dictionary<TKey, string?> CacheOf(string box)
    {
        lock (_gate)
        {
            if (!_idsByKey.TryGetValue(box, out var cache)) _idsByKey[box] = cache = new Dictionary<TKey, string?>();
            return cache;
        }
    }

    /// <summary>How often each id of this run is among <paramref name="present"/>, and which of those messages are the run's.</summary>
    protected (Dictionary<string, int> Counts, List<TMessage> Mine) Tally<TMessage>(
        IEnumerable<TMessage> present, Func<TMessage, TKey> keyOf, Dictionary<TKey, string?> cache)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var mine = new List<TMessage>();
        foreach (var message in present)
        {
            if (cache.GetValueOrDefault(keyOf(message)) is not { } id || !LoadIdHeader.IsOfRun(id, runId)) continue;
            counts[id] = counts.GetValueOrDefault(id) + 1;
            mine.Add(message);
        }
        return (counts, mine);
    }

    private Task ForEachMailboxAsync(IReadOnlyCollection<string> mailboxes, string errorPrefix, CancellationToken cancel, Func<string, Task> body) =>
        Parallel.ForEachAsync(mailboxes, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancel }, async (box, _) =>
        {
            try
            {
                await body(box);
            }
            catch (Net.LoadException e)
            {
                errors.Add(errorPrefix + " " + e.Code);
            }
        });
}
