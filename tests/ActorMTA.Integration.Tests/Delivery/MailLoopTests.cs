using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// Mail routed back to this server fails at once with 554 5.4.6 "loops back to myself" (as Postfix does), and the
/// sender gets the normal bounce, instead of the message being handed to our own SMTP listener.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MailLoopTests(MailLoopTests.Bed bed, ITestOutputHelper output) : IClassFixture<MailLoopTests.Bed>
{
    private static readonly TestUser Sender = TestUser.Local("loop-sender");

    public sealed class Bed : IAsyncLifetime
    {
        public DeliveryTestBed TestBed { get; private set; } = null!;

        // Every domain is routed to the server's own SMTP listener (the port is the overlay's own setting).
        public async Task InitializeAsync() => TestBed = await DeliveryTestBed.StartAsync(
            [new RemoteDomain("elsewhere.test", "127.0.0.2")], [Sender],
            overrides: """actormta.delivery.routes { "*" = "127.0.0.1:"${actormta.listeners.smtp.port} }""");

        public async Task DisposeAsync()
        {
            if (TestBed is not null) await TestBed.DisposeAsync();
        }
    }

    private DeliveryTestBed TestBed => bed.TestBed;

    [Fact]
    public async Task A_route_to_our_own_smtp_listener_bounces_with_5_4_6()
    {
        const string recipient = "someone@elsewhere.test";
        var token = "loop-" + Guid.NewGuid().ToString("N");
        await TestBed.SubmitAsync(Sender, [recipient], DeliveryTestBed.Message(Sender.Address, recipient, token));

        var raw = Assert.Single(await TestBed.WaitForMailboxAsync(Sender, 1, TimeSpan.FromSeconds(20)));
        output.WriteLine(Encoding.UTF8.GetString(raw));
        var dsn = DeliveryStatusReport.Parse(raw);
        Assert.Equal("failed", dsn.Recipient["Action"]?.Trim(), ignoreCase: true);
        Assert.Equal("5.4.6", dsn.Recipient["Status"]?.Trim());
        Assert.Contains("loops back to myself", dsn.Recipient["Diagnostic-Code"]);
        Assert.Contains(recipient, dsn.Recipient["Final-Recipient"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains(token, Encoding.UTF8.GetString(raw));
        Assert.Empty(TestBed.QueuedMessages("elsewhere.test"));
        Assert.Equal(0, TestBed.Receiver("127.0.0.2").TotalConnections);
    }
}
