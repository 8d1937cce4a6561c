using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>A bounce sent again after a restart (same message id) must not land twice in the sender's mailbox.</summary>
public sealed class MailboxIdempotencyTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Delivering_the_same_message_id_again_keeps_one_entry_and_releases_the_second_reference()
    {
        var first = Content.Add("Q1.B1");
        var second = Content.Add("Q1.B1");

        Regions.Mailbox.Tell(new DeliverToMailbox("alice@local.test", "Q1.B1", first, 10, Arrival, 1) { OncePerQueueId = true }, TestActor);
        var uid = ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10)).Uid;
        Regions.Mailbox.Tell(new DeliverToMailbox("alice@local.test", "Q1.B1", second, 10, Arrival, 2) { OncePerQueueId = true }, TestActor);
        var again = ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));

        Assert.Equal((uid, 2L), (again.Uid, again.CorrelationId));
        Regions.Mailbox.Tell(new GetMaildrop("alice@local.test"), TestActor);
        Assert.Equal(first, Assert.Single(ExpectMsg<Maildrop>(TimeSpan.FromSeconds(10)).Messages).ContentRef);
        AwaitCondition(() => Content.IsReleased(second), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(first));
    }
}
