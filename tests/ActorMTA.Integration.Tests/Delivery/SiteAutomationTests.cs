using System.Diagnostics;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// Automation and operator actions over a real receiver: a scripted "[TS04]" deferral suspends the site for the
/// rule's duration and sending resumes by itself; `ctl site suspend` holds mail back from a site until `ctl site
/// resume`; `ctl shaping show` prints what is in force.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SiteAutomationTests(ITestOutputHelper output)
{
    private static readonly TestUser Sender = TestUser.Local("automation-sender");

    [Fact]
    public async Task A_matching_deferral_suspends_the_site_for_the_rules_duration_then_sending_resumes()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("ts04.test", "127.0.0.7", MxName: "mx.ts04-site.test")], [Sender],
            overrides: """
                actormta.shaping.automation = [
                  { match-code = 421, match-text = "\\[TS04\\]", scope = site, action = suspend, duration = 4s }
                ]
                """);
        var receiver = bed.Receiver("127.0.0.7");
        receiver.Script(ScriptedOutcome.TempFail(421, "4.7.0 [TS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume"));

        var watch = Stopwatch.StartNew();
        await bed.SubmitAsync(Sender, ["a@ts04.test"], DeliveryTestBed.Message(Sender.Address, "a@ts04.test", $"ts04-{Guid.NewGuid():N}"));
        await WaitAsync(() => receiver.PendingScript == 0, TimeSpan.FromSeconds(20), "the deferral");
        var deferredAt = watch.Elapsed;

        var show = await WaitForAsync(() => bed.Ctl("shaping", "show", "ts04.test"), s => s.Contains("automation  ", StringComparison.Ordinal) && s.Contains("suspend"),
            TimeSpan.FromSeconds(5), "the suspension in shaping show");
        output.WriteLine(show);
        Assert.Matches(@"suspended\s+until ", show);
        Assert.Contains("TS04", show);

        // Retries are due every 300 ms; the suspension holds them back, and then lets them go by itself.
        await receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        var deliveredAt = watch.Elapsed;
        output.WriteLine($"deferred at {deferredAt.TotalSeconds:F1} s, delivered at {deliveredAt.TotalSeconds:F1} s");
        Assert.True(deliveredAt - deferredAt >= TimeSpan.FromSeconds(3.5), $"delivered {(deliveredAt - deferredAt).TotalSeconds:F1} s after the deferral");
        Assert.Equal(2, receiver.TotalConnections);
    }

    [Fact]
    public async Task An_operator_suspends_a_site_and_resumes_it_and_the_queue_list_sums_it_by_site()
    {
        await using var bed = await DeliveryTestBed.StartAsync(
            [new RemoteDomain("ops.test", "127.0.0.8", MxName: "mx.ops-site.test"), new RemoteDomain("ops2.test", "127.0.0.8", MxName: "mx.ops-site.test")], [Sender]);
        var receiver = bed.Receiver("127.0.0.8");

        var suspended = bed.Ctl("site", "suspend", "mx.ops-site.test", "--for", "1h");
        Assert.Contains("suspended mx.ops-site.test", suspended);
        Assert.Matches(@"#\d+ suspend for site mx.ops-site.test from default until \S+ \S+ \(ctl site suspend\)", suspended);
        await bed.SubmitAsync(Sender, ["a@ops.test"], DeliveryTestBed.Message(Sender.Address, "a@ops.test", $"ops-{Guid.NewGuid():N}"));
        await bed.SubmitAsync(Sender, ["b@ops2.test", "c@ops2.test"], DeliveryTestBed.Message(Sender.Address, "b@ops2.test", $"ops2-{Guid.NewGuid():N}"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, receiver.TotalConnections);
        Assert.Contains("ctl site suspend", bed.Ctl("shaping", "show", "ops.test"));

        var bySite = bed.CtlJson("queue", "list", "--by", "site").AsArray().Select(n => n!.AsObject()).ToList();
        var site = Assert.Single(bySite, r => r["site"]?.GetValue<string>() == "mx.ops-site.test");
        Assert.Equal(2, site["pending"]!.GetValue<int>());
        Assert.Equal(["ops.test", "ops2.test"], site["queues"]!.AsArray().Select(q => q!.GetValue<string>()));
        Assert.Matches(@"mx\.ops-site\.test +2 +2 .*ops\.test ops2\.test", bed.Ctl("queue", "list", "--by", "site"));

        var resumed = bed.Ctl("site", "resume", "mx.ops-site.test");
        Assert.Contains("1 action(s) ended", resumed);
        await receiver.WaitForMessagesAsync(2, TimeSpan.FromSeconds(10));
        Assert.Contains("automation                 (none)", bed.Ctl("shaping", "show", "ops.test"));
    }

    [Fact]
    public async Task A_matching_deferral_lowers_messages_per_connection_on_new_and_open_connections()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("perconn.test", "127.0.0.110", MxName: "mx.perconn-site.test")], [Sender],
            overrides: """
                actormta.shaping {
                  default { message-rate = unlimited, connection-rate = unlimited, connection-limit = 2, messages-per-connection = 100, idle-timeout = 10s }
                  automation = [
                    { match-code = 451, match-text = "\\[PERCONN\\]", scope = site, action = "messages-per-connection = 3", duration = 10m }
                  ]
                }
                """);
        var receiver = bed.Receiver("127.0.0.110");
        // One message first, on a connection that then stays open (idle-timeout 10 s) and carries up to 100.
        await bed.SubmitAsync(Sender, ["first@perconn.test"], DeliveryTestBed.Message(Sender.Address, "first@perconn.test", $"perconn-first-{Guid.NewGuid():N}"));
        await receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20));

        // The next message is deferred with the provider's complaint; the action then holds for the open connection too.
        receiver.Script(ScriptedOutcome.TempFail(451, "4.7.0 [PERCONN] too many messages on one connection"));
        await bed.SubmitAsync(Sender, ["second@perconn.test"], DeliveryTestBed.Message(Sender.Address, "second@perconn.test", $"perconn-second-{Guid.NewGuid():N}"));
        await WaitAsync(() => receiver.PendingScript == 0, TimeSpan.FromSeconds(20), "the deferral");
        await WaitForAsync(() => bed.Ctl("shaping", "show", "perconn.test"), s => s.Contains("messages-per-connection    3 (automation)", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the lowered limit in shaping show");

        var messages = Enumerable.Range(0, 30)
            .Select(i => ($"m{i}@perconn.test", DeliveryTestBed.Message(Sender.Address, $"m{i}@perconn.test", $"perconn-{i:D2}-{Guid.NewGuid():N}")))
            .ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 4);
        // "first", the deferred "second" (retried every 300 ms) and the 30.
        var received = await receiver.WaitForMessagesAsync(32, TimeSpan.FromSeconds(60));

        // Counted per connection over the whole run: the first connection carried "first" and the deferred
        // transaction, so at most 3 messages in all after the action, as does every connection opened since.
        var perConnection = received.GroupBy(m => m.ConnectionId).Select(g => g.Count()).ToList();
        output.WriteLine($"messages per connection: {string.Join(" ", perConnection)}");
        Assert.True(perConnection.Max() <= 3, $"a connection carried {perConnection.Max()} messages under messages-per-connection = 3");
        Assert.True(perConnection.Count >= 11, $"{perConnection.Count} connections for {received.Count} messages at 3 per connection");
    }

    [Fact]
    public async Task Site_commands_refuse_what_is_not_a_site_or_a_duration()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("bad.test", "127.0.0.9")], [Sender]);
        var noSite = bed.Server.RunCli("ctl", "site", "suspend");
        Assert.NotEqual(0, noSite.ExitCode);
        Assert.Contains("missing SITE", noSite.Stderr + noSite.Stdout);
        var badDuration = bed.Server.RunCli("ctl", "site", "suspend", "mx.bad.test", "--for", "soon");
        Assert.NotEqual(0, badDuration.ExitCode);
        Assert.Contains("not a duration", badDuration.Stderr + badDuration.Stdout);
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static async Task<string> WaitForAsync(Func<string> read, Func<string, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = read();
            if (condition(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}; last:\n{value}");
            await Task.Delay(100);
        }
    }
}
