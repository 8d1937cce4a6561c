using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ActorMTA.Server.Checks.Rspamd;
using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Rspamd;

/// <summary>Rspamd down, slow or talking nonsense: the client reports Unavailable with a reason, never throws,
/// and never waits longer than its timeout.</summary>
public sealed class RspamdUnavailableTests
{
    private static readonly RspamdEnvelope Envelope =
        new("alice@example.org", ["bob@example.net"], IPAddress.Parse("192.0.2.10"), "mail.example.org", null, null, "DOWN1");

    private static RspamdClient Client(Uri url, TimeSpan timeout) =>
        new(new RspamdOptions(url, null, null, timeout, 1 << 20));

    [Fact]
    public async Task A_stopped_rspamd_is_unavailable_with_the_reason_within_the_timeout()
    {
        var server = await RspamdServer.StartAsync();
        using var client = new RspamdClient(new RspamdOptions(server.Url, server.ControllerUrl, server.Password, TimeSpan.FromSeconds(2), 1 << 20));
        var before = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);
        await server.DisposeAsync();

        var watch = Stopwatch.StartNew();
        var after = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);
        var learn = await client.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);
        watch.Stop();

        Assert.Equal(RspamdScanOutcome.Scanned, before.Outcome);
        Assert.True(after.Unavailable);
        Assert.Equal(RspamdAction.NoAction, after.Action);
        // The pooled keep-alive connection may die first (reset, closed) rather than a new one being refused.
        Assert.Contains($"Rspamd at {server.Url}checkv2", after.Reason);
        Assert.Equal(RspamdLearnOutcome.Failed, learn.Outcome);
        Assert.Contains("ConnectionRefused", learn.Reason);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_wrong_port_is_unavailable()
    {
        using var client = Client(new Uri($"http://127.0.0.1:{UnusedTcpPort()}"), TimeSpan.FromSeconds(2));

        var scan = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);

        Assert.True(scan.Unavailable);
        Assert.Contains("ConnectionRefused", scan.Reason);
    }

    [Fact]
    public async Task A_silent_server_is_unavailable_after_the_timeout()
    {
        await using var silent = new CannedHttpServer(rawResponse: null);
        var timeout = TimeSpan.FromMilliseconds(500);
        using var client = Client(silent.Url, timeout);

        var watch = Stopwatch.StartNew();
        var scan = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);
        watch.Stop();

        Assert.True(scan.Unavailable);
        Assert.Contains("within 500 ms", scan.Reason);
        Assert.True(watch.Elapsed >= timeout - TimeSpan.FromMilliseconds(50), $"took {watch.Elapsed}");
        Assert.True(watch.Elapsed < timeout + TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_non_200_answer_is_unavailable_with_status_and_body()
    {
        await using var failing = new CannedHttpServer(CannedHttpServer.Response(500, "Internal Server Error", "{\"error\":\"task timeout\"}"));
        using var client = Client(failing.Url, TimeSpan.FromSeconds(2));

        var scan = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);

        Assert.True(scan.Unavailable);
        Assert.Contains("HTTP 500", scan.Reason);
        Assert.Contains("task timeout", scan.Reason);
    }

    [Fact]
    public async Task Bad_json_is_unavailable()
    {
        await using var garbage = new CannedHttpServer(CannedHttpServer.Response(200, "OK", "<html>not rspamd</html>"));
        using var client = Client(garbage.Url, TimeSpan.FromSeconds(2));

        var scan = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);

        Assert.True(scan.Unavailable);
        Assert.Contains("unreadable", scan.Reason);
        Assert.Contains("not rspamd", scan.Reason);
    }

    [Fact]
    public async Task Json_without_a_verdict_is_unavailable()
    {
        await using var odd = new CannedHttpServer(CannedHttpServer.Response(200, "OK", "{\"error\":\"no worker\"}"));
        using var client = Client(odd.Url, TimeSpan.FromSeconds(2));

        var scan = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);

        Assert.True(scan.Unavailable);
        Assert.Contains("no worker", scan.Reason);
    }

    [Fact]
    public async Task A_locked_statfile_is_asked_again_before_the_learn_fails()
    {
        await using var locked = new CannedHttpServer(CannedHttpServer.Response(500, "Internal Server Error", "{\"error\":\"cannot commit checkpoint: database is locked\"}"));
        using var client = new RspamdClient(new RspamdOptions(locked.Url, null, null, TimeSpan.FromSeconds(2), 1 << 20)
            { LearnRetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)] });
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await client.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);

        Assert.Equal(RspamdLearnOutcome.Failed, result.Outcome);
        Assert.Contains("database is locked", result.Reason);
        // Three waits between four attempts, each on a connection of its own (the canned server closes every one).
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(1400), $"gave up after {started.Elapsed}");
        Assert.Equal(4, locked.Connections);
    }

    [Fact]
    public async Task A_learn_waits_for_its_own_longer_timeout_and_a_scan_does_not()
    {
        await using var slow = new CannedHttpServer(CannedHttpServer.Response(200, "OK", "{\"success\":true}"), answerDelay: TimeSpan.FromSeconds(1.5));
        using var client = new RspamdClient(new RspamdOptions(slow.Url, null, null, TimeSpan.FromMilliseconds(500), 1 << 20, LearnTimeout: TimeSpan.FromSeconds(10)));

        var learned = await client.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);
        var scan = await client.ScanAsync(RspamdMessages.CleanMessage(), Envelope, CancellationToken.None);

        Assert.Equal(RspamdLearnOutcome.Learned, learned.Outcome);
        Assert.True(scan.Unavailable);
        Assert.Contains("within 500 ms", scan.Reason);
    }

    [Fact]
    public async Task A_208_learn_answer_is_already_learned()
    {
        await using var learned = new CannedHttpServer(CannedHttpServer.Response(208, "Already Reported", "{\"error\":\"<x@y> has been already learned as spam, ignore it\"}"));
        using var client = Client(learned.Url, TimeSpan.FromSeconds(2));

        var result = await client.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);

        Assert.Equal(RspamdLearnOutcome.AlreadyLearned, result.Outcome);
    }

    [Fact]
    public async Task A_connection_closed_without_an_answer_is_retried_once()
    {
        const string verdict = """{"action":"reject","score":15,"required_score":15,"symbols":{"GTUBE":{"name":"GTUBE","score":0}}}""";
        await using var restarting = new CannedHttpServer(CannedHttpServer.Response(200, "OK", verdict), dropConnections: 1);
        await using var broken = new CannedHttpServer(CannedHttpServer.Response(200, "OK", verdict), dropConnections: 2);
        using var client = Client(restarting.Url, TimeSpan.FromSeconds(2));
        using var brokenClient = Client(broken.Url, TimeSpan.FromSeconds(2));

        var scan = await client.ScanAsync(RspamdMessages.GtubeMessage(), Envelope, CancellationToken.None);
        var gaveUp = await brokenClient.ScanAsync(RspamdMessages.GtubeMessage(), Envelope, CancellationToken.None);

        Assert.Equal(RspamdAction.Reject, scan.Action);
        Assert.Equal(2, restarting.Connections);
        Assert.True(gaveUp.Unavailable);
        Assert.Equal(2, broken.Connections);
    }

    private static int UnusedTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
