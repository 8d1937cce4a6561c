using System.Globalization;
using System.Net;
using System.Text;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Pop3;

namespace ActorMTA.LoadTests.Verification;

/// <summary>
/// Reads X-Load-Ids from mailboxes over POP3: USER/PASS (after STLS when asked), UIDL, then
/// `TOP n 0` for each message not seen in an earlier scan (pipelined in batches when the server
/// offers PIPELINING). The id of each UIDL is cached, so polling a growing mailbox stays cheap.
/// </summary>
internal sealed class Pop3MailboxSource(VerifyOptions options, string runId, ErrorCounter errors)
    : MailboxArrivalSource<string>(runId, errors)
{
    private const int Batch = 100;

    protected override async Task<(Dictionary<string, int> Counts, long Deleted)> ScanOneAsync(string box, bool delete)
    {
        await using var connection = await LoadConnection.ConnectAsync(new IPEndPoint(options.Host, options.Port), null,
            options.CommandTimeout, 8192, null, CancellationToken.None);
        var pop = new Pop3Client(connection);
        await pop.ExpectOkAsync("greeting");
        await pop.Connection.WriteAsync("CAPA\r\n"u8.ToArray());
        var capabilities = new List<string>();
        if ((await ReadLineAsync(pop)).StartsWith("+OK", StringComparison.Ordinal))
            await pop.ReadMultiLineAsync(l => capabilities.Add(Encoding.ASCII.GetString(l).ToUpperInvariant()));
        if (options.StartTls)
        {
            await pop.CommandAsync("STLS");
            await connection.StartTlsAsync(options.TlsHost);
        }
        await pop.CommandAsync($"USER {box}");
        await pop.CommandAsync($"PASS {options.Password}");

        await pop.CommandAsync("UIDL");
        var listing = new List<(int Number, string Uidl)>();
        await pop.ReadMultiLineAsync(l =>
        {
            var parts = Encoding.ASCII.GetString(l).Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) listing.Add((n, parts[1]));
        });

        var cache = CacheOf(box);
        var unknown = listing.Where(m => !cache.ContainsKey(m.Uidl)).ToList();
        var batch = capabilities.Contains("PIPELINING") ? Batch : 1;
        foreach (var chunk in unknown.Chunk(batch))
        {
            await pop.WriteBatchAsync(chunk.Select(m => $"TOP {m.Number.ToString(CultureInfo.InvariantCulture)} 0"));
            foreach (var (_, uidl) in chunk)
            {
                await pop.ExpectOkAsync("TOP");
                string? id = null;
                var inHeader = true;
                await pop.ReadMultiLineAsync(l =>
                {
                    if (l.Length == 0) inHeader = false;
                    else if (inHeader && id is null && LoadIdHeader.TryParse(l, out var value)) id = value;
                });
                cache[uidl] = id;
            }
        }

        var (counts, mine) = Tally(listing, m => m.Uidl, cache);

        long deleted = 0;
        if (delete)
        {
            foreach (var chunk in mine.Chunk(batch))
            {
                await pop.WriteBatchAsync(chunk.Select(m => $"DELE {m.Number.ToString(CultureInfo.InvariantCulture)}"));
                foreach (var _ in chunk)
                {
                    await pop.ExpectOkAsync("DELE");
                    deleted++;
                }
            }
        }
        await pop.CommandAsync("QUIT");
        return (counts, deleted);
    }

    private static async Task<string> ReadLineAsync(Pop3Client pop) =>
        Encoding.UTF8.GetString((await pop.Connection.ReadLineAsync()).Span);
}
