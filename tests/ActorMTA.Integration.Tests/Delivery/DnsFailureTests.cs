using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// Issue 15, DNS and bounces: trouble on the resolver's side (none configured, SERVFAIL, timeouts) defers acknowledged
/// mail with 4.4.3 and never bounces it; a bounce that cannot be delivered is retried, and one that fails for good goes
/// to the postmaster (a double bounce); the delivery log measures an attempt's real duration.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DnsFailureTests(ITestOutputHelper output)
{
    private const string FarMx = "127.0.0.2";
    private const string SenderMx = "127.0.0.3";
    private const string RemoteSender = "someone@sender.test";
    private const string RelayFromLoopback = "actormta.smtp.relay-networks = [\"127.0.0.0/8\"]";

    [Fact]
    public async Task Without_a_usable_resolver_mail_and_bounces_wait_with_4_4_3_and_go_out_once_dns_works()
    {
        var alice = TestUser.Local("dns-alice");
        var missingResolvConf = Path.Combine(Path.GetTempPath(), "actormta-no-resolv-" + Guid.NewGuid().ToString("N"), "resolv.conf");
        await using var bed = await DeliveryTestBed.StartAsync(
            [new RemoteDomain("far.test", FarMx), new RemoteDomain("sender.test", SenderMx)], [alice],
            overrides: $$"""
                actormta.delivery { dns-servers = [], resolv-conf = "{{missingResolvConf}}" }
                {{RelayFromLoopback}}
                """);

        // One clear line at start-up, and ctl shows it.
        Assert.Contains("dns: no usable resolver (", bed.Server.Output);
        Assert.Contains("dns: no usable resolver (", bed.Ctl("cluster", "show"));

        var fromAlice = "nores-local-" + Guid.NewGuid().ToString("N");
        await bed.SubmitAsync(alice, ["bob@far.test"], DeliveryTestBed.Message(alice.Address, "bob@far.test", fromAlice));
        var fromRemote = "nores-remote-" + Guid.NewGuid().ToString("N");
        await RelayAsync(bed, RemoteSender, "carol@far.test", fromRemote);

        // Both stay queued, deferred with 4.4.3 and retried on the schedule (300 ms here); nothing bounces.
        var queued = await bed.WaitForQueueAsync("far.test",
            m => m.Count == 2 && m.All(e => Attempts(e) >= 3 && LastResult(e).Contains("4.4.3")), TimeSpan.FromSeconds(30), "two messages deferred 3 times with 4.4.3");
        output.WriteLine(string.Join("\n", queued.Select(e => e.ToJsonString())));
        Assert.Empty(await bed.MailboxAsync(alice));
        Assert.DoesNotContain("5.1.2", bed.Server.Output);

        // The remote sender's message is bounced by the operator: its bounce (to sender.test) cannot be looked up
        // either, so it waits in the queue too instead of being dropped.
        var remoteId = queued.Single(e => e["from"]!.GetValue<string>().Contains(RemoteSender)) ["queue_id"]!.GetValue<string>();
        bed.Ctl("queue", "bounce", remoteId);
        await bed.WaitForQueueAsync("sender.test",
            m => m.Count == 1 && From(m[0]) is "" or "<>" && Attempts(m[0]) >= 2 && LastResult(m[0]).Contains("4.4.3"),
            TimeSpan.FromSeconds(30), "the bounce deferred twice with 4.4.3");
        Assert.DoesNotContain("dropped, never bounced", bed.Server.Output);

        // DNS works again (the servers are configured): the waiting mail and the bounce go out.
        await bed.Server.StopAsync();
        await File.AppendAllTextAsync(bed.Server.ConfigFile, $"\nactormta.delivery.dns-servers = [\"127.0.0.1:{bed.Dns.EndPoint.Port}\"]\n");
        await bed.Server.RestartAsync();
        var delivered = await bed.Receiver(FarMx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        Assert.Contains(fromAlice, Assert.Single(delivered).Text);
        var bounce = Assert.Single(await bed.Receiver(SenderMx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("", bounce.MailFrom.Trim('<', '>'));
        Assert.Equal([RemoteSender], bounce.Recipients);
        Assert.Contains(fromRemote, bounce.Text);
        Assert.Empty(await bed.MailboxAsync(alice));
    }

    [Fact]
    public async Task Servfail_timeouts_and_truncation_defer_and_delivery_resumes_once_dns_answers()
    {
        var alice = TestUser.Local("dns-flaky");
        using var dns = new FaultyDnsServer(fault: DnsFault.ServFail);
        // dns-temporary-failure-ttl = 0: every retry asks again (the default 30 s cache would have hidden them).
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("flaky.test", FarMx)], [alice],
            overrides: $$"""
                actormta.delivery {
                  dns-servers = ["127.0.0.1:{{dns.EndPoint.Port}}"]
                  dns-timeout = 500ms
                  dns-retries = 0
                  dns-temporary-failure-ttl = 0s
                }
                """);
        dns.Upstream = bed.Dns.EndPoint;

        var token = "flaky-" + Guid.NewGuid().ToString("N");
        await bed.SubmitAsync(alice, ["bob@flaky.test"], DeliveryTestBed.Message(alice.Address, "bob@flaky.test", token));

        foreach (var fault in new[] { DnsFault.ServFail, DnsFault.NoAnswer, DnsFault.Truncated })
        {
            dns.Fault = fault;
            var before = dns.QueryCount("MX", "flaky.test");
            await WaitUntilAsync(() => dns.QueryCount("MX", "flaky.test") >= before + 3, TimeSpan.FromSeconds(20),
                $"three more MX lookups under {fault} (retried, not cached for long)", bed);
            var entry = Assert.Single(bed.QueuedMessages("flaky.test"));
            output.WriteLine($"{fault}: {entry.ToJsonString()}");
            Assert.Contains("4.4.3", LastResult(entry));
            Assert.Empty(bed.Receiver(FarMx).Messages);
        }

        dns.Fault = DnsFault.None;
        var delivered = Assert.Single(await bed.Receiver(FarMx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(15)));
        Assert.Contains(token, delivered.Text);
        Assert.Empty(await bed.MailboxAsync(alice));
    }

    [Fact]
    public async Task A_bounce_that_fails_for_good_goes_to_the_postmaster_and_a_failed_double_bounce_ends_there()
    {
        var postmaster = TestUser.Local("postmaster");
        await using var bed = await DeliveryTestBed.StartAsync(
            [new RemoteDomain("far.test", FarMx), new RemoteDomain("sender.test", SenderMx)], [postmaster],
            overrides: RelayFromLoopback);
        bed.Receiver(FarMx).RejectRecipient("bob@far.test", 550, "5.1.1 No such user here");
        bed.Receiver(SenderMx).RejectRecipient(RemoteSender, 550, "5.1.1 Sender gone");

        var token = "double-" + Guid.NewGuid().ToString("N");
        await RelayAsync(bed, RemoteSender, "bob@far.test", token);

        // The message fails at far.test, its bounce fails at sender.test: the postmaster gets a double bounce.
        var report = DeliveryStatusReport.Parse(Assert.Single(await bed.WaitForMailboxAsync(postmaster, 1, TimeSpan.FromSeconds(30))));
        output.WriteLine(report.Message.ToString());
        Assert.Contains(RemoteSender, report.Recipient["Final-Recipient"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal("failed", report.Recipient["Action"]?.Trim(), ignoreCase: true);
        Assert.Equal("5.1.1", report.Recipient["Status"]?.Trim());
        Assert.Contains(postmaster.Address, report.Message.To.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(bed.Receiver(SenderMx).Commands, c => c.Line.StartsWith("MAIL FROM:<>", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("dropped, never bounced", bed.Server.Output);

        // Nothing is left behind, and no more mail arrives (no loop).
        await WaitUntilAsync(() => bed.PendingFor("far.test") + bed.PendingFor("sender.test") == 0, TimeSpan.FromSeconds(20), "queues empty", bed);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await bed.MailboxAsync(postmaster));
    }

    [Fact]
    public async Task A_double_bounce_that_fails_is_logged_and_dropped_without_a_loop()
    {
        // postmaster@ forwards to a remote address that refuses it: the double bounce fails too, and that ends it.
        var alice = TestUser.Local("dns-dbl-alice");
        await using var bed = await DeliveryTestBed.StartAsync(
            [new RemoteDomain("far.test", FarMx), new RemoteDomain("sender.test", SenderMx)], [alice],
            overrides: RelayFromLoopback);
        var alias = bed.Server.RunCli("alias", "add", "postmaster@" + ServerProcess.Domain, "admin@sender.test");
        output.WriteLine(alias.ToString());
        Assert.Equal(0, alias.ExitCode);
        bed.Receiver(FarMx).RejectRecipient("bob@far.test");
        bed.Receiver(SenderMx).RejectRecipient(RemoteSender, 550, "5.1.1 Sender gone");
        bed.Receiver(SenderMx).RejectRecipient("admin@sender.test", 550, "5.1.1 Admin gone");

        await RelayAsync(bed, RemoteSender, "bob@far.test", "loop-" + Guid.NewGuid().ToString("N"));
        await WaitUntilAsync(() => bed.Server.Output.Contains("double bounce", StringComparison.Ordinal) && bed.Server.Output.Contains("dropped", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the failed double bounce logged as dropped", bed);
        await WaitUntilAsync(() => bed.PendingFor("far.test") + bed.PendingFor("sender.test") == 0, TimeSpan.FromSeconds(20), "queues empty", bed);
        var transactions = bed.Receiver(SenderMx).Transactions;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(transactions, bed.Receiver(SenderMx).Transactions);
        // The bounce and the double bounce were each tried once: two MAIL FROM:<> at sender.test, no third.
        Assert.Equal(2, bed.Receiver(SenderMx).Commands.Count(c => c.Line.StartsWith("MAIL FROM:<>", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task A_timed_out_attempt_is_logged_with_its_real_duration()
    {
        var alice = TestUser.Local("dns-latency");
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("slow.test", FarMx)], [alice],
            retrySchedule: "[1h]", overrides: "actormta.delivery.command-timeout = 1500ms");
        // The greeting never comes within the command timeout.
        bed.Receiver(FarMx).ResponseDelay = TimeSpan.FromMinutes(5);

        await bed.SubmitAsync(alice, ["bob@slow.test"], DeliveryTestBed.Message(alice.Address, "bob@slow.test", "slow-" + Guid.NewGuid().ToString("N")));
        var pattern = new Regex(@"delivery queue-id=\S+ rcpt=bob@slow\.test .* latency-ms=(\d+)");
        await WaitUntilAsync(() => pattern.IsMatch(bed.Server.Output), TimeSpan.FromSeconds(30), "a delivery log line for bob@slow.test", bed);
        var line = pattern.Match(bed.Server.Output);
        output.WriteLine(line.Value);
        Assert.True(long.Parse(line.Groups[1].Value) >= 1400, $"latency of an attempt that timed out after 1.5 s: {line.Value}");
    }

    private static async Task RelayAsync(DeliveryTestBed bed, string from, string to, string token)
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.SendMessageAsync(from, [to], DeliveryTestBed.Message(from, to, token)), 250);
        await smtp.QuitAsync();
    }

    private static int Attempts(JsonObject entry) => entry["attempts"]!.GetValue<int>();

    private static string LastResult(JsonObject entry) => entry["last_result"]?.GetValue<string>() ?? "";

    private static string From(JsonObject entry) => entry["from"]?.GetValue<string>() ?? "";

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, DeliveryTestBed bed)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not within {timeout}\n" +
                    string.Join("\n", bed.Server.Output.Split('\n').Where(l => l.Contains("delivery") || l.Contains("bounce") || l.Contains("WARN") || l.Contains("ERROR"))));
            await Task.Delay(100);
        }
    }
}
