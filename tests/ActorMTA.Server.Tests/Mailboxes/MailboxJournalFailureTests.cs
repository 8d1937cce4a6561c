using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>
/// A journal write that fails (full disk) must not leave the mailbox silent: everyone waiting is told at once, and the
/// next command finds the entity again, with every message it had.
/// </summary>
[Collection(nameof(MailboxJournalFailureTests))] // FailingJournal.Failing is process-wide
public sealed class MailboxJournalFailureTests(ITestOutputHelper output) : MailboxJournalFailureCases(output, null);

/// <summary>The cases of <see cref="MailboxJournalFailureTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class MailboxJournalFailureCases(ITestOutputHelper output, string? overrides) : EntityTestKit(output, FailingJournal.Config + "\n" + overrides)
{
    private const string Address = "full@example.org";

    [Fact]
    public void A_failed_write_is_answered_at_once_and_the_mailbox_answers_again_afterwards()
    {
        FailingJournal.Failing = false;
        Regions.Mailbox.Tell(new DeliverToMailbox(Address, "Q1", Content.Add("Q1"), 100, DateTimeOffset.UtcNow, 1), TestActor);
        var delivered = ExpectMsg<MailboxDelivered>(TimeSpan.FromSeconds(10));

        FailingJournal.Failing = true;
        try
        {
            var expunge = new ExpungeMessages(Address, MailboxFolders.Inbox, [delivered.Uid], 2);
            Regions.Mailbox.Tell(expunge, TestActor);
            var failed = ExpectMsg<JournalWriteFailed>(TimeSpan.FromSeconds(3));
            Assert.True(failed.IsAbout(expunge, Sys.Serialization), $"about {failed.Command}");
        }
        finally
        {
            FailingJournal.Failing = false;
        }

        // Restarted from the journal: the message the failed expunge was about is still there, and can be expunged now.
        // A query sent while the failed entity is still stopping goes to it and is lost (the shard restarts the entity
        // on the next message), so the question is asked again until the restarted entity answers.
        Maildrop? maildrop = null;
        for (var attempt = 0; attempt < 5 && maildrop is null; attempt++)
        {
            Regions.Mailbox.Tell(new GetMaildrop(Address), TestActor);
            maildrop = ReceiveOne(TimeSpan.FromSeconds(3)) as Maildrop;
        }
        Assert.NotNull(maildrop);
        Assert.Single(maildrop.Messages);
        Regions.Mailbox.Tell(new ExpungeMessages(Address, MailboxFolders.Inbox, [delivered.Uid], 3), TestActor);
        Assert.Equal([delivered.Uid], ExpectMsg<MessagesExpunged>(TimeSpan.FromSeconds(10)).Uids);
    }
}
