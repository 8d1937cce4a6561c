using System.Globalization;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Runs;

namespace ActorMTA.LoadTests.Imap;

/// <summary>
/// One IMAP load session. An iteration: connect, greeting, (STARTTLS), LOGIN, SELECT, FETCH 1:*
/// (UID FLAGS), FETCH BODY.PEEK[HEADER] of the last --headers messages, FETCH BODY.PEEK[] of
/// --bodies random ones, STORE +FLAGS (\Seen) on one, LOGOUT. An empty mailbox skips the fetches.
/// </summary>
internal sealed class ImapLoadSession(MailboxOptions options, int index, RunCounters counters, LatencyRecorder latency)
    : MailboxLoadSession(options, index, counters)
{
    private readonly LatencyMetric _connect = latency["connect"];
    private readonly LatencyMetric _greeting = latency["greeting"];
    private readonly LatencyMetric _startTls = latency["starttls"];
    private readonly LatencyMetric _tls = latency["tls"];
    private readonly LatencyMetric _login = latency["login"];
    private readonly LatencyMetric _select = latency["select"];
    private readonly LatencyMetric _fetch = latency["fetch"];
    private readonly LatencyMetric _fetchHeaders = latency["fetch-headers"];
    private readonly LatencyMetric _fetchBody = latency["fetch-body"];
    private readonly LatencyMetric _store = latency["store"];
    private readonly LatencyMetric _logout = latency["logout"];

    public override async Task RunIterationAsync(long sequence)
    {
        var imap = new ImapClient(await ConnectAsync(_connect));

        var start = Clock.Now;
        await imap.GreetingAsync();
        _greeting.RecordSince(start);
        if (Options.Common.StartTls) await UpgradeToTlsAsync(() => imap.ExpectOkAsync("STARTTLS"), _startTls, _tls);

        var user = Options.Users[sequence - 1];
        start = Clock.Now;
        await imap.ExpectOkAsync($"LOGIN {ImapClient.Quote(user)} {ImapClient.Quote(Options.Password)}");
        _login.RecordSince(start);

        var exists = 0;
        start = Clock.Now;
        await imap.ExpectOkAsync($"SELECT {ImapClient.Quote(Options.Mailbox)}", r => exists = r.Exists ?? exists);
        _select.RecordSince(start);

        if (exists > 0)
        {
            start = Clock.Now;
            await imap.ExpectOkAsync("FETCH 1:* (UID FLAGS)");
            _fetch.RecordSince(start);

            if (Options.Headers > 0)
            {
                var first = Math.Max(1, exists - Options.Headers + 1);
                start = Clock.Now;
                await imap.ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"FETCH {first}:{exists} (BODY.PEEK[HEADER])"));
                _fetchHeaders.RecordSince(start);
            }
            for (var i = 0; i < Options.Bodies; i++)
            {
                var n = Random.Next(1, exists + 1);
                start = Clock.Now;
                await imap.ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"FETCH {n} (BODY.PEEK[])"));
                _fetchBody.RecordSince(start);
                Counters.MessageFetched();
            }
            start = Clock.Now;
            await imap.ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"STORE {Random.Next(1, exists + 1)} +FLAGS (\\Seen)"));
            _store.RecordSince(start);
        }

        start = Clock.Now;
        await imap.ExpectOkAsync("LOGOUT");
        _logout.RecordSince(start);
        await CloseAsync();
    }
}
