using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// Queued outbound mail survives SIGKILL: after the restart the queue resumes by itself (no new mail
/// arrives to wake it) and delivers everything once the receiver comes back. Duplicates are allowed
/// by the at-least-once rule and reported; a lost message fails the test.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class DeliveryRestartTests(ITestOutputHelper output)
{
    private const int Messages = 1_000;
    private const string Domain = "restart.test";
    private const string Mx = "127.0.0.2";
    private static readonly TestUser Sender = TestUser.Local("restart-sender");

    [Fact]
    public async Task Queued_mail_for_a_down_domain_is_delivered_after_sigkill_and_restart()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(Domain, Mx)], [Sender],
            retrySchedule: "[1s]", domainBackoff: "1s",
            overrides: """actormta.delivery.throttles { "restart.test" { max-connections = 8 } }""");
        var receiver = bed.Receiver(Mx);
        receiver.Down();

        var watch = Stopwatch.StartNew();
        var tokens = Enumerable.Range(0, Messages).Select(i => $"restart-{i:D4}-{Guid.NewGuid():N}").ToArray();
        await bed.SubmitManyAsync(Sender, tokens.Select((t, i) => ($"user{i % 50}@{Domain}", DeliveryTestBed.Message(Sender.Address, $"user{i % 50}@{Domain}", t))).ToList(), sessions: 10);
        output.WriteLine($"{Messages} messages accepted in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(Messages, bed.PendingFor(Domain));

        bed.Server.Kill();
        var restart = Stopwatch.StartNew();
        await bed.Server.RestartAsync();
        output.WriteLine($"restarted in {restart.Elapsed.TotalSeconds:F1} s");
        receiver.Up();

        var byToken = await WaitForAllTokensAsync(receiver, tokens, TimeSpan.FromSeconds(60), bed);
        output.WriteLine($"all {Messages} delivered {restart.Elapsed.TotalSeconds:F1} s after the restart; {receiver.TotalConnections} connections, {receiver.Messages.Count} messages received");

        var duplicates = byToken.Where(kv => kv.Value > 1).ToList();
        output.WriteLine($"duplicates: {duplicates.Count} messages received more than once ({duplicates.Sum(kv => kv.Value - 1)} extra copies)");
        foreach (var (token, count) in duplicates.Take(20)) output.WriteLine($"  {token} x{count}");

        // Delivered mail leaves the queue (the queue does not keep retrying it).
        var drained = Stopwatch.StartNew();
        while (bed.PendingFor(Domain) > 0)
        {
            Assert.True(drained.Elapsed < TimeSpan.FromSeconds(20), $"{bed.PendingFor(Domain)} messages still queued after all were delivered\n{bed.ServerTail()}");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Sigkill_while_delivering_loses_nothing_and_duplicates_are_counted()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(Domain, Mx)], [Sender],
            retrySchedule: "[1s]", domainBackoff: "1s",
            overrides: """actormta.delivery.throttles { "restart.test" { max-connections = 8, max-messages-per-connection = 20 } }""");
        var receiver = bed.Receiver(Mx);
        // Slow enough that the kill lands while several connections are mid-transaction.
        receiver.ResponseDelay = TimeSpan.FromMilliseconds(5);

        var tokens = Enumerable.Range(0, Messages).Select(i => $"inflight-{i:D4}-{Guid.NewGuid():N}").ToArray();
        await bed.SubmitManyAsync(Sender, tokens.Select((t, i) => ($"user{i % 50}@{Domain}", DeliveryTestBed.Message(Sender.Address, $"user{i % 50}@{Domain}", t))).ToList(), sessions: 10);
        var (beforeKill, openAtKill) = (receiver.Messages.Count, receiver.CurrentConnections);
        Assert.True(beforeKill < Messages, "everything was delivered before the kill: make the receiver slower");
        bed.Server.Kill();
        output.WriteLine($"killed with {beforeKill} of {Messages} delivered and {openAtKill} connections open");

        await bed.Server.RestartAsync();
        var byToken = await WaitForAllTokensAsync(receiver, tokens, TimeSpan.FromSeconds(60), bed);
        var duplicates = byToken.Where(kv => kv.Value > 1).ToList();
        output.WriteLine($"all {Messages} delivered; {receiver.Messages.Count} received in total; duplicates: {duplicates.Count} messages ({duplicates.Sum(kv => kv.Value - 1)} extra copies)");
        foreach (var (token, count) in duplicates.Take(20)) output.WriteLine($"  {token} x{count}");
    }

    /// <summary>Waits until every token was received at least once; returns how often each one was.</summary>
    private static async Task<Dictionary<string, int>> WaitForAllTokensAsync(ScriptedSmtpReceiver receiver, string[] tokens, TimeSpan timeout, DeliveryTestBed bed)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var counts = tokens.ToDictionary(t => t, _ => 0);
            foreach (var message in receiver.Messages)
            {
                var match = TokenLine().Match(message.Text);
                if (match.Success && counts.ContainsKey(match.Groups[1].Value)) counts[match.Groups[1].Value]++;
            }
            var missing = counts.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToList();
            if (missing.Count == 0) return counts;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{missing.Count} of {tokens.Length} messages lost (not received within {timeout}), e.g. {string.Join(", ", missing.Take(5))}; " +
                            $"queue still holds {bed.PendingFor(Domain)}\n{bed.ServerTail()}");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"\r\ntoken (\S+)\r\n")]
    private static partial Regex TokenLine();
}
