using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.TestKit;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>Folders, flags, uids, UIDVALIDITY, recent boundary and subscriptions survive a node restart.</summary>
public abstract class MailboxRecoveryImapTests(ITestOutputHelper output, string? overrides) : MailboxImapTestKit(output, overrides)
{
    protected abstract bool ExpectSnapshot { get; }

    private long SnapshotRows()
    {
        using var connection = new SqliteConnection($"Data Source={NodeConfig.SnapshotFileFor(JournalFile)}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM snapshot WHERE persistence_id = $id";
        command.Parameters.AddWithValue("$id", Mailbox.PersistenceIdOf(Bob));
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task The_imap_state_is_recovered()
    {
        Ask<SpecialFoldersEnsured>(new EnsureSpecialFolders(Bob));
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Projects/A"));
        Ask<FolderCommandDone>(new RenameFolder(Bob, "Projects", "Done"));
        Ask<FolderCommandDone>(new SubscribeFolder(Bob, "Done/A"));
        Ask<FolderCommandDone>(new UnsubscribeFolder(Bob, "Junk"));
        Deliver("Q1");
        Deliver("Q2");
        var session = CreateTestProbe().Ref;
        Ask<FolderSelected>(new SelectFolder(Bob, "INBOX", session)); // takes uids 1, 2 as recent
        Ask<FolderUnselected>(new UnselectFolder(Bob, session));
        Deliver("Q3");
        Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1, 3], FlagStoreMode.Add, ["\\Answered", "$Important"]));
        Ask<MessagesCopied>(new CopyMessages(Bob, "INBOX", [1], "Done/A"));
        Ask<MessagesCopied>(new MoveMessages(Bob, "INBOX", [2], "Trash"));
        Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Sent", "S1", Content.Add("S1"), 5, Arrival, ["\\Seen"]));
        Regions.Mailbox.Tell(new StoreMessageStructure(Bob, "Sent", 1, [1, 2, 3]));
        var before = Ask<FolderList>(new ListFolders(Bob));
        var inboxBefore = Messages("INBOX");
        await AwaitAssertAsync(() => Assert.Equal(ExpectSnapshot, SnapshotRows() > 0), TimeSpan.FromSeconds(5));

        await using var node = await RestartAsync();
        var probe = CreateTestProbe(node.System);
        T AskNode<T>(IMailboxCommand command)
        {
            node.Regions.Mailbox.Tell(command, probe);
            return probe.ExpectMsg<T>(TimeSpan.FromSeconds(20));
        }

        var after = AskNode<FolderList>(new ListFolders(Bob));
        Assert.Equal(before.Folders, after.Folders);
        Assert.Equal(before.Subscriptions, after.Subscriptions);
        Assert.Equal(new[] { ("Done", (string?)null), ("Done/A", null), ("Drafts", "\\Drafts"), ("INBOX", null), ("Junk", "\\Junk"), ("Sent", "\\Sent"), ("Trash", "\\Trash") },
            after.Folders.Select(f => (f.Name, f.SpecialUse)).Order());
        var inbox = AskNode<Maildrop>(new GetMaildrop(Bob));
        Assert.Equal(inboxBefore.Select(m => (m.Uid, m.ContentRef, string.Join(" ", Flags(m)))), inbox.Messages.Select(m => (m.Uid, m.ContentRef, string.Join(" ", Flags(m)))));
        var sent = Assert.Single(AskNode<Maildrop>(new GetMaildrop(Bob, "Sent")).Messages);
        Assert.Equal(new byte[] { 1, 2, 3 }, sent.Structure);
        // POP3's maildrop leaves the structure out (it crosses nodes, and POP3 never uses it); the message is the same.
        var slim = Assert.Single(AskNode<Maildrop>(new GetMaildrop(Bob, "Sent") { WithoutStructures = true }).Messages);
        Assert.Null(slim.Structure);
        Assert.Equal((sent.Uid, sent.ContentRef, sent.Size), (slim.Uid, slim.ContentRef, slim.Size));

        // The recent boundary survived: only uid 3 (delivered after the select) is recent for the next session.
        var selected = AskNode<FolderSelected>(new SelectFolder(Bob, "INBOX", node.System.ActorOf(Props.Empty)));
        Assert.Equal(new[] { 3L }, selected.Messages.Where(m => m.Uid >= selected.RecentFrom).Select(m => m.Uid));
        // UIDNEXT and UIDVALIDITY survived: a new folder gets a value above all others, INBOX continues at 4.
        Assert.Equal(4L, AskNode<MailboxDelivered>(new DeliverToMailbox(Bob, "Q4", Content.Add("Q4"), 1, Arrival, 1)).Uid);
        AskNode<FolderCommandDone>(new CreateFolder(Bob, "New"));
        var folders = AskNode<FolderList>(new ListFolders(Bob)).Folders;
        Assert.True(folders.Single(f => f.Name == "New").UidValidity > folders.Where(f => f.Name != "New").Max(f => f.UidValidity));
    }
}

public sealed class MailboxRecoveryFromEventsTests(ITestOutputHelper output) : MailboxRecoveryImapTests(output, null)
{
    protected override bool ExpectSnapshot => false;
}

public sealed class MailboxRecoveryFromSnapshotTests(ITestOutputHelper output) : MailboxRecoveryImapTests(output, "actormta.mailbox.snapshot-every = 3")
{
    protected override bool ExpectSnapshot => true;
}
