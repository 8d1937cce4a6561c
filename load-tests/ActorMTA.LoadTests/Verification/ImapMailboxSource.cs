using System.Net;
using ActorMTA.LoadTests.Imap;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Verification;

/// <summary>
/// Reads X-Load-Ids from mailboxes over IMAP: LOGIN (after STARTTLS when asked), EXAMINE INBOX,
/// `UID FETCH 1:* (UID)` for what is there, then `UID FETCH set (BODY.PEEK[HEADER.FIELDS (X-LOAD-ID)])`
/// for UIDs not seen in an earlier scan. Deleting is `UID STORE set +FLAGS.SILENT (\Deleted)` and
/// `UID EXPUNGE set` (plain EXPUNGE when UIDPLUS is missing).
/// </summary>
internal sealed class ImapMailboxSource(VerifyOptions options, string runId, ErrorCounter errors)
    : MailboxArrivalSource<long>(runId, errors)
{
    protected override async Task<(Dictionary<string, int> Counts, long Deleted)> ScanOneAsync(string box, bool delete)
    {
        await using var connection = await LoadConnection.ConnectAsync(new IPEndPoint(options.Host, options.Port), null,
            options.CommandTimeout, 8192, null, CancellationToken.None);
        var imap = new ImapClient(connection);
        await imap.GreetingAsync();
        if (options.StartTls) await imap.StartTlsAsync(options.TlsHost);
        await imap.ExpectOkAsync($"LOGIN {ImapClient.Quote(box)} {ImapClient.Quote(options.Password!)}");
        var exists = 0;
        await imap.ExpectOkAsync(delete ? "SELECT INBOX" : "EXAMINE INBOX", r => exists = r.Exists ?? exists);

        var present = new List<long>();
        if (exists > 0)
        {
            await imap.ExpectOkAsync("UID FETCH 1:* (UID)", r =>
            {
                if (r.FetchUid is { } uid) present.Add(uid);
            });
        }

        var cache = CacheOf(box);
        foreach (var set in ImapClient.UidSets(present.Where(u => !cache.ContainsKey(u))))
        {
            await imap.ExpectOkAsync($"UID FETCH {set} (BODY.PEEK[HEADER.FIELDS (X-LOAD-ID)])", r =>
            {
                if (r.FetchUid is not { } uid) return;
                string? id = null;
                foreach (var literal in r.Literals)
                {
                    foreach (var line in SplitLines(literal))
                    {
                        if (LoadIdHeader.TryParse(line.Span, out var value))
                        {
                            id = value;
                            break;
                        }
                    }
                }
                cache[uid] = id;
            }, keepLiterals: true);
        }

        var (counts, mine) = Tally(present, uid => uid, cache);

        long deleted = 0;
        if (delete && mine.Count > 0)
        {
            foreach (var set in ImapClient.UidSets(mine))
            {
                await imap.ExpectOkAsync($"UID STORE {set} +FLAGS.SILENT (\\Deleted)");
                var expunge = await imap.CommandAsync($"UID EXPUNGE {set}");
                if (expunge.Status != "OK") await imap.ExpectOkAsync("EXPUNGE");
            }
            deleted = mine.Count;
        }
        await imap.CommandAsync("LOGOUT");
        return (counts, deleted);
    }

    private static IEnumerable<ReadOnlyMemory<byte>> SplitLines(byte[] bytes)
    {
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != '\n') continue;
            var end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            yield return bytes.AsMemory(start, end - start);
            start = i + 1;
        }
        if (start < bytes.Length) yield return bytes.AsMemory(start);
    }
}
