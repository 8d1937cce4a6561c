using System.Globalization;
using System.Net;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Runs;

namespace ActorMTA.LoadTests.Pop3;

/// <summary>
/// One POP3 load session. An iteration: connect, greeting, (STLS), USER, PASS, STAT, RETR of
/// --retr random messages (none when the mailbox is empty), QUIT.
/// </summary>
internal sealed class Pop3LoadSession(MailboxOptions options, int index, RunCounters counters, LatencyRecorder latency) : IIterationSession
{
    private readonly IPEndPoint _target = new(options.Common.Host, options.Common.Port);
    private readonly IPAddress? _source = new SourceAddresses(options.Common.SourceIps).For(index);
    private readonly Random _random = new(index);
    private readonly LatencyMetric _connect = latency["connect"];
    private readonly LatencyMetric _greeting = latency["greeting"];
    private readonly LatencyMetric _stls = latency["stls"];
    private readonly LatencyMetric _tls = latency["tls"];
    private readonly LatencyMetric _user = latency["user"];
    private readonly LatencyMetric _pass = latency["pass"];
    private readonly LatencyMetric _stat = latency["stat"];
    private readonly LatencyMetric _retr = latency["retr"];
    private readonly LatencyMetric _quit = latency["quit"];
    private LoadConnection? _connection;

    public async Task RunIterationAsync(long sequence)
    {
        var start = Clock.Now;
        _connection = await LoadConnection.ConnectAsync(_target, _source, options.Common.Timeout, 4096, counters, CancellationToken.None);
        counters.ConnectionOpened();
        _connect.RecordSince(start);
        var pop = new Pop3Client(_connection);

        start = Clock.Now;
        await pop.ExpectOkAsync("greeting");
        _greeting.RecordSince(start);
        if (options.Common.StartTls)
        {
            start = Clock.Now;
            await pop.CommandAsync("STLS");
            _stls.RecordSince(start);
            start = Clock.Now;
            await _connection.StartTlsAsync(options.Common.TlsHost);
            _tls.RecordSince(start);
        }

        start = Clock.Now;
        await pop.CommandAsync($"USER {options.Users[sequence - 1]}");
        _user.RecordSince(start);
        start = Clock.Now;
        await pop.CommandAsync($"PASS {options.Password}");
        _pass.RecordSince(start);

        start = Clock.Now;
        var stat = await pop.CommandAsync("STAT");
        _stat.RecordSince(start);
        var parts = stat.Split(' ');
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new LoadException("protocol", $"STAT answer '{stat}'");

        for (var i = 0; i < options.Bodies && count > 0; i++)
        {
            start = Clock.Now;
            await pop.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"RETR {_random.Next(1, count + 1)}"));
            await pop.ReadMultiLineAsync();
            _retr.RecordSince(start);
            counters.MessageFetched();
        }

        start = Clock.Now;
        await pop.CommandAsync("QUIT");
        _quit.RecordSince(start);
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
