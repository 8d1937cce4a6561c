using System.Diagnostics;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// Outbound delivery of a running server over real DNS (dnsmasq) and real SMTP receivers:
/// byte-exact delivery to the best MX, MX fallback, implicit MX, retries after 4xx, bounces for
/// 5xx, null MX and unknown domains, and domains that cannot slow each other down.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OutboundDeliveryTests(OutboundDeliveryTests.Bed bed, ITestOutputHelper output) : IClassFixture<OutboundDeliveryTests.Bed>
{
    private const string PrimaryMx = "127.0.0.2";
    private const string BackupMx = "127.0.0.3";
    private const string RejectingMx = "127.0.0.4";
    private const string HealthyMx1 = "127.0.0.5";
    private const string HungMx = "127.0.0.6";
    private const string HealthyMx2 = "127.0.0.7";
    private const string DeadMx = "127.0.0.8";
    private const string FirstMxDown = "127.0.0.9";
    private const string SecondMx = "127.0.0.10";
    private const string ImplicitHost = "127.0.0.11";
    private const string RetryMx = "127.0.0.12";

    private static readonly TestUser E2eSender = TestUser.Local("out-e2e");
    private static readonly TestUser DsnSender = TestUser.Local("out-dsn");
    private static readonly TestUser IsolationSender = TestUser.Local("out-iso");
    private static readonly TestUser RoutingSender = TestUser.Local("out-routing");
    private static readonly TestUser NullMxSender = TestUser.Local("out-nullmx");
    private static readonly TestUser UnknownDomainSender = TestUser.Local("out-nxdomain");

    public sealed class Bed : IAsyncLifetime
    {
        public DeliveryTestBed TestBed { get; private set; } = null!;

        public async Task InitializeAsync() => TestBed = await DeliveryTestBed.StartAsync(
        [
            new RemoteDomain("e2e.test", PrimaryMx, 10, "mx1.e2e.test"),
            new RemoteDomain("e2e.test", BackupMx, 20, "mx2.e2e.test"),
            new RemoteDomain("reject.test", RejectingMx),
            new RemoteDomain("healthy1.test", HealthyMx1),
            new RemoteDomain("hung.test", HungMx),
            new RemoteDomain("healthy2.test", HealthyMx2),
            new RemoteDomain("dead.test", DeadMx),
            new RemoteDomain("fallback.test", FirstMxDown, 10, "mx1.fallback.test"),
            new RemoteDomain("fallback.test", SecondMx, 20, "mx2.fallback.test"),
            new RemoteDomain("retry.test", RetryMx),
        ], [E2eSender, DsnSender, IsolationSender, RoutingSender, NullMxSender, UnknownDomainSender],
        extraZone: $"""
            host-record=implicit.test,{ImplicitHost}
            # RFC 7505 null MX: preference 0, exchange "." (the root).
            dns-rr=nullmx.test,15,000000

            """,
        extraReceivers: [ImplicitHost]);

        public async Task DisposeAsync()
        {
            if (TestBed is not null) await TestBed.DisposeAsync();
        }
    }

    private DeliveryTestBed TestBed => bed.TestBed;

    [Fact]
    public async Task Mail_is_delivered_byte_exact_to_the_lowest_preference_mx()
    {
        var token = "e2e-" + Guid.NewGuid().ToString("N");
        // Transparency and 8-bit: a leading dot, a lone dot line, a long line, non-ASCII text.
        var body = ".starts with a dot\r\n.\r\n..\r\n" + new string('x', 900) + "\r\ngrüße, 日本語\r\n";
        var sent = DeliveryTestBed.Message(E2eSender.Address, "someone@e2e.test", token, body);
        await TestBed.SubmitAsync(E2eSender, ["someone@e2e.test"], sent, "BODY=8BITMIME");

        var received = Assert.Single(await TestBed.Receiver(PrimaryMx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(E2eSender.Address, received.MailFrom);
        // Received as 8BITMIME, relayed as 8BITMIME (RFC 6152): the declaration travels with the message.
        Assert.Contains("BODY=8BITMIME", received.MailParameters, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["someone@e2e.test"], received.Recipients);
        var (trace, rest) = StoredMessage.SplitReceived(received.Data);
        output.WriteLine(trace);
        Assert.True(sent.AsSpan().SequenceEqual(rest), StoredMessage.Difference(sent, rest));
        Assert.Empty(TestBed.Receiver(BackupMx).Messages);
        Assert.Equal(0, TestBed.Receiver(BackupMx).TotalConnections);
    }

    [Fact]
    public async Task A_5xx_produces_exactly_one_dsn_in_the_local_senders_mailbox()
    {
        const string rejected = "nobody@reject.test";
        TestBed.Receiver(RejectingMx).RejectRecipient(rejected, 550, "5.1.1 No such user here");
        var token = "dsn-" + Guid.NewGuid().ToString("N");
        await TestBed.SubmitAsync(DsnSender, [rejected], DeliveryTestBed.Message(DsnSender.Address, rejected, token));

        await TestBed.WaitForMailboxAsync(DsnSender, 1, TimeSpan.FromSeconds(20));
        // Several retry intervals later there is still only one: no second bounce for the same failure.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var mailbox = await TestBed.MailboxAsync(DsnSender);
        var raw = Assert.Single(mailbox);
        output.WriteLine(Encoding.UTF8.GetString(raw));

        var dsn = DeliveryStatusReport.Parse(raw);
        Assert.Equal("auto-replied", dsn.Message.Headers["Auto-Submitted"]?.Trim(), ignoreCase: true);
        Assert.False(string.IsNullOrWhiteSpace(dsn.PerMessage["Reporting-MTA"]), "Reporting-MTA");
        var recipient = dsn.Recipient;
        Assert.Contains(rejected, recipient["Final-Recipient"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal("failed", recipient["Action"]?.Trim(), ignoreCase: true);
        Assert.Matches(@"^5\.\d{1,3}\.\d{1,3}$", recipient["Status"]?.Trim() ?? "");
        Assert.Contains("550", recipient["Diagnostic-Code"]);
        // The original's headers come back so the sender can tell which message failed.
        Assert.Contains(token, Encoding.UTF8.GetString(raw));
        Assert.Empty(TestBed.Receiver(RejectingMx).Messages);
    }

    [Fact]
    public async Task A_hung_domain_does_not_delay_another_domain()
    {
        // Every reply of the hung domain's MX (the greeting included) takes longer than the test.
        TestBed.Receiver(HungMx).ResponseDelay = TimeSpan.FromMinutes(5);
        await TestBed.SubmitManyAsync(IsolationSender, Enumerable.Range(0, 10)
            .Select(i => ($"user{i}@hung.test", DeliveryTestBed.Message(IsolationSender.Address, $"user{i}@hung.test", $"hung-{i}-{Guid.NewGuid():N}")))
            .ToList(), sessions: 2);
        await WaitUntilAsync(() => TestBed.Receiver(HungMx).CurrentConnections > 0, TimeSpan.FromSeconds(10), "the server connects to the hung MX");

        var elapsed = await DeliverToHealthyDomainAsync("healthy1.test", HealthyMx1);
        output.WriteLine($"healthy domain delivered in {elapsed.TotalMilliseconds:F0} ms while {TestBed.Receiver(HungMx).CurrentConnections} connections hang");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the healthy domain took {elapsed}");
        Assert.Empty(TestBed.Receiver(HungMx).Messages);
        Assert.True(TestBed.Receiver(HungMx).CurrentConnections > 0, "the hung domain was not stuck while the other one delivered");
    }

    [Fact]
    public async Task A_dead_domain_does_not_delay_another_domain()
    {
        TestBed.Receiver(DeadMx).Down();
        await TestBed.SubmitManyAsync(IsolationSender, Enumerable.Range(0, 10)
            .Select(i => ($"user{i}@dead.test", DeliveryTestBed.Message(IsolationSender.Address, $"user{i}@dead.test", $"dead-{i}-{Guid.NewGuid():N}")))
            .ToList(), sessions: 2);
        await TestBed.WaitForQueueAsync("dead.test", m => m.Count == 10 && m.All(e => e["attempts"]!.GetValue<int>() >= 1),
            TimeSpan.FromSeconds(15), "10 messages, each tried at least once");

        var elapsed = await DeliverToHealthyDomainAsync("healthy2.test", HealthyMx2);
        output.WriteLine($"healthy domain delivered in {elapsed.TotalMilliseconds:F0} ms while dead.test holds {TestBed.PendingFor("dead.test")}");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the healthy domain took {elapsed}");
        Assert.Equal(10, TestBed.PendingFor("dead.test"));
    }

    [Fact]
    public async Task Falls_over_to_the_next_mx_when_the_first_is_down()
    {
        TestBed.Receiver(FirstMxDown).Down();
        await TestBed.SubmitAsync(RoutingSender, ["someone@fallback.test"],
            DeliveryTestBed.Message(RoutingSender.Address, "someone@fallback.test", "fallback-" + Guid.NewGuid().ToString("N")));
        var received = Assert.Single(await TestBed.Receiver(SecondMx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(["someone@fallback.test"], received.Recipients);
        Assert.Empty(TestBed.Receiver(FirstMxDown).Messages);
    }

    [Fact]
    public async Task A_domain_without_mx_gets_its_mail_at_its_address_record()
    {
        await TestBed.SubmitAsync(RoutingSender, ["someone@implicit.test"],
            DeliveryTestBed.Message(RoutingSender.Address, "someone@implicit.test", "implicit-" + Guid.NewGuid().ToString("N")));
        var received = Assert.Single(await TestBed.Receiver(ImplicitHost).WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(["someone@implicit.test"], received.Recipients);
    }

    [Fact]
    public async Task A_receiver_answering_4xx_twice_then_250_gets_the_message_on_the_third_attempt()
    {
        var receiver = TestBed.Receiver(RetryMx);
        receiver.ScriptReplies(451, 451, 250);
        var watch = Stopwatch.StartNew();
        await TestBed.SubmitAsync(RoutingSender, ["someone@retry.test"],
            DeliveryTestBed.Message(RoutingSender.Address, "someone@retry.test", "retry-" + Guid.NewGuid().ToString("N")));
        var received = Assert.Single(await receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        output.WriteLine($"delivered after {watch.ElapsedMilliseconds} ms and {receiver.Transactions} transactions");
        Assert.Equal(3, receiver.Transactions);
        Assert.Equal(0, receiver.PendingScript);
        Assert.Equal(["someone@retry.test"], received.Recipients);
        // Two waits of the 300ms schedule lie between the first and the third attempt.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(550), $"third attempt after only {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_null_mx_domain_bounces_at_once_with_5_1_10()
    {
        await TestBed.SubmitAsync(NullMxSender, ["someone@nullmx.test"],
            DeliveryTestBed.Message(NullMxSender.Address, "someone@nullmx.test", "nullmx-" + Guid.NewGuid().ToString("N")));
        var dsn = DeliveryStatusReport.Parse(Assert.Single(await TestBed.WaitForMailboxAsync(NullMxSender, 1, TimeSpan.FromSeconds(20))));
        Assert.Equal("failed", dsn.Recipient["Action"]?.Trim(), ignoreCase: true);
        Assert.Equal("5.1.10", dsn.Recipient["Status"]?.Trim());
        Assert.Contains("someone@nullmx.test", dsn.Recipient["Final-Recipient"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unknown_domain_bounces()
    {
        await TestBed.SubmitAsync(UnknownDomainSender, ["someone@no-such-domain.test"],
            DeliveryTestBed.Message(UnknownDomainSender.Address, "someone@no-such-domain.test", "nxdomain-" + Guid.NewGuid().ToString("N")));
        var dsn = DeliveryStatusReport.Parse(Assert.Single(await TestBed.WaitForMailboxAsync(UnknownDomainSender, 1, TimeSpan.FromSeconds(20))));
        output.WriteLine($"Status: {dsn.Recipient["Status"]}, Diagnostic-Code: {dsn.Recipient["Diagnostic-Code"]}");
        Assert.Equal("failed", dsn.Recipient["Action"]?.Trim(), ignoreCase: true);
        Assert.StartsWith("5.", dsn.Recipient["Status"]?.Trim());
        Assert.Empty(TestBed.QueuedMessages("no-such-domain.test"));
    }

    /// <summary>Submits 5 messages to a healthy domain; the time until the last one arrived.</summary>
    private async Task<TimeSpan> DeliverToHealthyDomainAsync(string domain, string receiverAddress)
    {
        var watch = Stopwatch.StartNew();
        await TestBed.SubmitManyAsync(IsolationSender, Enumerable.Range(0, 5)
            .Select(i => ($"user{i}@{domain}", DeliveryTestBed.Message(IsolationSender.Address, $"user{i}@{domain}", $"{domain}-{i}-{Guid.NewGuid():N}")))
            .ToList(), sessions: 1);
        await TestBed.Receiver(receiverAddress).WaitForMessagesAsync(5, TimeSpan.FromSeconds(30));
        return watch.Elapsed;
    }

    private async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within {timeout}\n{TestBed.ServerTail()}");
            await Task.Delay(50);
        }
    }
}
