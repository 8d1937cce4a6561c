using ActorMTA.Protocol.Bounces;
using ActorMTA.Server.Queues;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>actormta.bounces.verp = on: each recipient's copy goes in its own transaction, MAIL FROM its VERP return path.</summary>
public sealed class VerpDeliveryTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : DeliveryTestKit(output, zone, "actormta.bounces.verp = on"), IClassFixture<DeliveryZoneFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Each_recipient_gets_a_transaction_of_its_own_with_its_verp_return_path()
    {
        var id = Enqueue("one.test", Message("verp"), recipients: ["bob@one.test", "carol@one.test"]);

        var received = await Receivers[0].WaitForMessagesAsync(2, Wait);

        var verp = new VerpAddress("bounces", LocalDomain);
        Assert.Equal(2, received.Count);
        Assert.Equal(["bob@one.test"], received[0].Recipients);
        Assert.Equal(verp.Encode(id, "bob@one.test"), received[0].MailFrom);
        Assert.Equal(["carol@one.test"], received[1].Recipients);
        Assert.Equal(verp.Encode(id, "carol@one.test"), received[1].MailFrom);
        Assert.Equal("bounces+" + id + "=carol=one.test@" + LocalDomain, received[1].MailFrom);
        // One connection: the transactions share the session (and the content is read once per transaction).
        Assert.Single(received.Select(m => m.ConnectionId).Distinct());
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task A_tenants_message_names_its_tenant_in_each_return_path()
    {
        var id = Enqueue("one.test", Message("verp tenant"), tags: new MessageTags(null, "acme", null), recipients: ["bob@one.test", "carol@one.test"]);

        var received = await Receivers[0].WaitForMessagesAsync(2, Wait);

        var verp = new VerpAddress("bounces", LocalDomain);
        Assert.Equal(["bounces+" + id + "=~tacme=bob=one.test@" + LocalDomain, "bounces+" + id + "=~tacme=carol=one.test@" + LocalDomain],
            received.Select(m => m.MailFrom).Order(StringComparer.Ordinal));
        foreach (var m in received)
        {
            Assert.True(verp.TryDecode(m.MailFrom, out var target), m.MailFrom);
            Assert.Equal("acme", target.Tenant);
        }
        await WaitForEmptyQueueAsync("one.test", Wait);
    }

    [Fact]
    public async Task A_refused_recipient_is_settled_on_its_own_and_the_others_still_go()
    {
        Receivers[0].RejectRecipient("bob@one.test", 550, "5.1.1 No such user");

        Enqueue("one.test", Message("verp partial"), recipients: ["bob@one.test", "carol@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        Assert.Equal(["carol@one.test"], received.Recipients);
        // bob's bounce reaches the sender's local mailbox; the message leaves the queue settled.
        await WaitForMailAsync(Sender, 1, Wait);
        await WaitForEmptyQueueAsync("one.test", Wait);
        Assert.Single(Receivers[0].Messages);
    }

    [Fact]
    public async Task A_bounce_keeps_the_null_sender_and_its_recipients_together()
    {
        Enqueue("one.test", Message("null sender"), sender: "", recipients: ["bob@one.test", "carol@one.test"]);

        var received = Assert.Single(await Receivers[0].WaitForMessagesAsync(1, Wait));
        Assert.Equal("", received.MailFrom);
        Assert.Equal(["bob@one.test", "carol@one.test"], received.Recipients);
    }
}
