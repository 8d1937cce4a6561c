using ActorMTA.Server.Tests.Delivery;
using ActorMTA.Server.Tests.Greylisting;
using ActorMTA.Server.Tests.Mailboxes;
using ActorMTA.Server.Tests.Queues;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Serialization;

// The entity test cases once more with akka.actor.serialize-messages = on: every command, reply and push goes through
// its bound serializer and the receiver gets the copy, as when the entity lives on another node. Catches a message type
// that does not round-trip, and code that relies on a reply being the very object sent (reference equality of lists).

public sealed class MailboxEntitySerializedTests(ITestOutputHelper output) : MailboxEntityCases(output, SerializeMessages.Config)
{
    [Fact]
    public void Messages_are_serialized_in_these_tests() => Assert.True(Sys.Settings.SerializeAllMessages);
}

public sealed class MailboxFolderSerializedTests(ITestOutputHelper output) : MailboxFolderCases(output, SerializeMessages.Config);

public sealed class MailboxMessageCommandSerializedTests(ITestOutputHelper output) : MailboxMessageCommandCases(output, SerializeMessages.Config);

public sealed class MailboxNotificationSerializedTests(ITestOutputHelper output) : MailboxNotificationCases(output, SerializeMessages.Config);

public sealed class MailboxJournalFailureSerializedTests(ITestOutputHelper output) : MailboxJournalFailureCases(output, SerializeMessages.Config);

public sealed class DomainQueueEntitySerializedTests(ITestOutputHelper output) : DomainQueueEntityCases(output, SerializeMessages.Config);

public sealed class QueueControlSerializedTests(ITestOutputHelper output, DeliveryZoneFixture zone)
    : QueueControlCases(output, zone, SerializeMessages.Config), IClassFixture<DeliveryZoneFixture>;

public sealed class GreylistEntitySerializedTests(ITestOutputHelper output) : GreylistEntityCases(output, SerializeMessages.Config);
