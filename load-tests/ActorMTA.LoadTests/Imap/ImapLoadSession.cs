using System.Globalization;
using System.Net;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Runs;

namespace ActorMTA.LoadTests.Imap;

/// <summary>
/// One IMAP load session. An iteration: connect, greeting, (STARTTLS), LOGIN, SELECT, FETCH 1:*
/// (UID FLAGS), FETCH BODY.PEEK[HEADER] of the last --headers messages, FETCH BODY.PEEK[] of
/// --bodies random ones, STORE +FLAGS (\Seen) on one, LOGOUT. An empty mailbox skips the fetches.
/// </summary>
internal sealed class ImapLoadSession(MailboxOptions options, int index, RunCounters counters, LatencyRecorder latency) : IIterationSession
{
    private readonly IPEndPoint _target = new(options.Common.Host, options.Common.Port);
    private readonly IPAddress? _source = new SourceAddresses(options.Common.SourceIps).For(index);
    private readonly Random _random = new(index);
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
    private LoadConnection? _connection;

    public async Task RunIterationAsync(long sequence)
    {
        var start = Clock.Now;
        _connection = await LoadConnection.ConnectAsync(_target, _source, options.Common.Timeout, 4096, counters, CancellationToken.None);
        counters.ConnectionOpened();
        _connect.RecordSince(start);
        var imap = new ImapClient(_connection);

        start = Clock.Now;
        await imap.GreetingAsync();
        _greeting.RecordSince(start);
        if (options.Common.StartTls)
        {
            start = Clock.Now;
            await imap.ExpectOkAsync("STARTTLS");
            _startTls.RecordSince(start);
            start = Clock.Now;
            await _connection.StartTlsAsync(options.Common.TlsHost);
            _tls.RecordSince(start);
        }

        var user = options.Users[sequence - 1];
        start = Clock.Now;
        await imap.ExpectOkAsync($"LOGIN {ImapClient.Quote(user)} {ImapClient.Quote(options.Password)}");
        _login.RecordSince(start);

        var exists = 0;
        start = Clock.Now;
        await imap.ExpectOkAsync($"SELECT {ImapClient.Quote(options.Mailbox)}", r => exists = r.Exists ?? exists);
        _select.RecordSince(start);

        if (exists > 0)
        {
            start = Clock.Now;
            await imap.ExpectOkAsync("FETCH 1:* (UID FLAGS)");
            _fetch.RecordSince(start);

            if (options.Headers > 0)
            {
                var first = Math.Max(1, exists - options.Headers + 1);
                start = Clock.Now;
                await imap.ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"FETCH {first}:{exists} (BODY.PEEK[HEADER])"));
                _fetchHeaders.RecordSince(start);
            }
            for (var i = 0; i < options.Bodies; i++)
            {
                var n = _random.Next(1, exists + 1);
                start = Clock.Now;
                await imap.ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"FETCH {n} (BODY.PEEK[])"));
                _fetchBody.RecordSince(start);
                counters.MessageFetched();
            }
            start = Clock.Now;
            await imap.ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"STORE {_random.Next(1, exists + 1)} +FLAGS (\\Seen)"));
            _store.RecordSince(start);
        }

        start = Clock.Now;
        await imap.ExpectOkAsync("LOGOUT");
        _logout.RecordSince(start);
        await CloseAsync();
    }

    public Task AbortAsync() => CloseAsync();

    private async Task CloseAsync()
    {
        if (_connection is not { } c) return;
        _connection = null;
        counters.ConnectionClosed();
        await c.DisposeAsync();
    }
}
