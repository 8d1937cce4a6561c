using System.Globalization;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Runs;

namespace ActorMTA.LoadTests.Pop3;

/// <summary>
/// One POP3 load session. An iteration: connect, greeting, (STLS), USER, PASS, STAT, RETR of
/// --retr random messages (none when the mailbox is empty), QUIT.
/// </summary>
internal sealed class Pop3LoadSession(MailboxOptions options, int index, RunCounters counters, LatencyRecorder latency)
    : MailboxLoadSession(options, index, counters)
{
    private readonly LatencyMetric _connect = latency["connect"];
    private readonly LatencyMetric _greeting = latency["greeting"];
    private readonly LatencyMetric _stls = latency["stls"];
    private readonly LatencyMetric _tls = latency["tls"];
    private readonly LatencyMetric _user = latency["user"];
    private readonly LatencyMetric _pass = latency["pass"];
    private readonly LatencyMetric _stat = latency["stat"];
    private readonly LatencyMetric _retr = latency["retr"];
    private readonly LatencyMetric _quit = latency["quit"];

    public override async Task RunIterationAsync(long sequence)
    {
        var pop = new Pop3Client(await ConnectAsync(_connect));

        var start = Clock.Now;
        await pop.ExpectOkAsync("greeting");
        _greeting.RecordSince(start);
        if (Options.Common.StartTls) await UpgradeToTlsAsync(() => pop.CommandAsync("STLS"), _stls, _tls);

        start = Clock.Now;
        await pop.CommandAsync($"USER {Options.Users[sequence - 1]}");
        _user.RecordSince(start);
        start = Clock.Now;
        await pop.CommandAsync($"PASS {Options.Password}");
        _pass.RecordSince(start);

        start = Clock.Now;
        var stat = await pop.CommandAsync("STAT");
        _stat.RecordSince(start);
        var parts = stat.Split(' ');
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new LoadException("protocol", $"STAT answer '{stat}'");

        for (var i = 0; i < Options.Bodies && count > 0; i++)
        {
            start = Clock.Now;
            await pop.CommandAsync(string.Create(CultureInfo.InvariantCulture, $"RETR {Random.Next(1, count + 1)}"));
            await pop.ReadMultiLineAsync();
            _retr.RecordSince(start);
            Counters.MessageFetched();
        }

        start = Clock.Now;
        await pop.CommandAsync("QUIT");
        _quit.RecordSince(start);
        await CloseAsync();
    }
}
