using ActorMTA.Server.Mailboxes;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

public sealed class MailboxFolderTests(ITestOutputHelper output) : MailboxFolderCases(output, null);

/// <summary>The cases of <see cref="MailboxFolderTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class MailboxFolderCases(ITestOutputHelper output, string? overrides) : MailboxImapTestKit(output, overrides)
{
    [Fact]
    public void Created_folders_are_listed_with_parents_and_a_fresh_uidvalidity_each()
    {
        Assert.Equal("Archive/2024", Ask<FolderCommandDone>(new CreateFolder(Bob, "Archive/2024")).Folder);
        Ask<FolderCommandDone>(new CreateFolder(Bob, "&AMk-t&AOk-/")); // modified UTF-7, trailing delimiter

        var list = Ask<FolderList>(new ListFolders(Bob)).Folders;

        Assert.Equal(new[] { "INBOX", "&AMk-t&AOk-", "Archive", "Archive/2024" }, list.Select(f => f.Name));
        Assert.True(list.Single(f => f.Name == "Archive").HasChildren);
        Assert.False(list.Single(f => f.Name == "Archive/2024").HasChildren);
        var validities = list.Where(f => f.Name != "INBOX").Select(f => f.UidValidity).ToArray();
        Assert.All(validities, v => Assert.True(v > 0));
        Assert.Equal(validities.Length, validities.Distinct().Count());
    }

    [Fact]
    public void Create_refuses_existing_and_invalid_names()
    {
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Work"));

        Assert.Equal(MailboxRefusal.AlreadyExists, Ask<MailboxCommandRefused>(new CreateFolder(Bob, "Work")).Reason);
        Assert.Equal(MailboxRefusal.AlreadyExists, Ask<MailboxCommandRefused>(new CreateFolder(Bob, "inbox")).Reason);
        Assert.Equal(MailboxRefusal.InvalidName, Ask<MailboxCommandRefused>(new CreateFolder(Bob, "a//b")).Reason);
        Assert.Equal(MailboxRefusal.InvalidName, Ask<MailboxCommandRefused>(new CreateFolder(Bob, "x*")).Reason);
    }

    [Fact]
    public void A_re_created_name_never_gets_its_old_uidvalidity_and_uids_restart()
    {
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Tmp"));
        var first = Folder("Tmp");
        Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Tmp", "A1", Content.Add("A1"), 10, Arrival, []));
        Ask<FolderCommandDone>(new DeleteFolder(Bob, "Tmp"));
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Tmp"));

        var second = Folder("Tmp");
        Assert.True(second.UidValidity > first.UidValidity);
        Assert.Equal((0, 1L), (second.Messages, second.UidNext));
    }

    [Fact]
    public void Deleting_a_folder_releases_its_content_and_INBOX_cannot_be_deleted()
    {
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Old"));
        var reference = Content.Add("A1");
        Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Old", "A1", reference, 10, Arrival, []));

        Ask<FolderCommandDone>(new DeleteFolder(Bob, "Old"));

        Assert.DoesNotContain(Ask<FolderList>(new ListFolders(Bob)).Folders, f => f.Name == "Old");
        AwaitCondition(() => Content.IsReleased(reference), TimeSpan.FromSeconds(5));
        Assert.Equal(MailboxRefusal.CannotDeleteInbox, Ask<MailboxCommandRefused>(new DeleteFolder(Bob, "Inbox")).Reason);
        Assert.Equal(MailboxRefusal.NoSuchFolder, Ask<MailboxCommandRefused>(new DeleteFolder(Bob, "Old")).Reason);
    }

    [Fact]
    public void Renaming_a_folder_takes_its_children_messages_and_uidvalidity_along()
    {
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Projects/A"));
        Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Projects/A", "A1", Content.Add("A1"), 10, Arrival, ["\\Seen"]));
        var before = Folder("Projects/A");

        Assert.Equal("Done", Ask<FolderCommandDone>(new RenameFolder(Bob, "Projects", "Done")).Folder);

        var names = Ask<FolderList>(new ListFolders(Bob)).Folders.Select(f => f.Name).ToArray();
        Assert.Equal(new[] { "INBOX", "Done", "Done/A" }, names);
        var after = Folder("Done/A");
        Assert.Equal((before.UidValidity, before.UidNext, 1), (after.UidValidity, after.UidNext, after.Messages));
        Assert.Equal(new[] { "\\Seen" }, Flags(Assert.Single(Messages("Done/A"))));
        Assert.Equal(MailboxRefusal.NoSuchFolder, Ask<MailboxCommandRefused>(new RenameFolder(Bob, "Projects", "X")).Reason);
        Assert.Equal(MailboxRefusal.AlreadyExists, Ask<MailboxCommandRefused>(new RenameFolder(Bob, "Done/A", "Done")).Reason);
    }

    [Fact]
    public void Renaming_INBOX_moves_its_messages_to_a_new_folder_and_leaves_INBOX_empty()
    {
        Deliver("Q1");
        Deliver("Q2");
        var inboxBefore = Folder("INBOX");

        Ask<FolderCommandDone>(new RenameFolder(Bob, "INBOX", "Old mail"));

        var inbox = Folder("INBOX");
        Assert.Equal((0, inboxBefore.UidValidity, inboxBefore.UidNext), (inbox.Messages, inbox.UidValidity, inbox.UidNext));
        Assert.Equal(new[] { "Q1", "Q2" }, Messages("Old mail").Select(m => m.QueueId));
        Assert.NotEqual(inboxBefore.UidValidity, Folder("Old mail").UidValidity);
        Assert.Equal(3L, Deliver("Q3").Uid); // INBOX uids are not reused
    }

    [Fact]
    public void Subscriptions_are_kept_per_name_even_for_folders_that_do_not_exist()
    {
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Lists"));
        Ask<FolderCommandDone>(new SubscribeFolder(Bob, "Lists"));
        Ask<FolderCommandDone>(new SubscribeFolder(Bob, "Elsewhere"));
        Ask<FolderCommandDone>(new SubscribeFolder(Bob, "inbox"));
        Ask<FolderCommandDone>(new UnsubscribeFolder(Bob, "Elsewhere"));

        var list = Ask<FolderList>(new ListFolders(Bob));
        Assert.Equal(new[] { "INBOX", "Lists" }, list.Subscriptions);
        Assert.True(list.Folders.Single(f => f.Name == "Lists").Subscribed);
        Assert.True(list.Folders.Single(f => f.Name == "INBOX").Subscribed);
    }

    [Fact]
    public void Special_folders_are_created_once_with_their_attributes()
    {
        var first = Ask<SpecialFoldersEnsured>(new EnsureSpecialFolders(Bob));
        var validities = Ask<FolderList>(new ListFolders(Bob)).Folders.ToDictionary(f => f.Name, f => f.UidValidity);
        var again = Ask<SpecialFoldersEnsured>(new EnsureSpecialFolders(Bob));

        Assert.Equal(new[] { "Sent", "Drafts", "Trash", "Junk" }, first.Created);
        Assert.Empty(again.Created);
        var list = Ask<FolderList>(new ListFolders(Bob)).Folders;
        Assert.Equal(new[] { ("Drafts", "\\Drafts"), ("Junk", "\\Junk"), ("Sent", "\\Sent"), ("Trash", "\\Trash") },
            list.Where(f => f.SpecialUse is not null).Select(f => (f.Name, f.SpecialUse!)));
        Assert.All(list, f => Assert.Equal(validities[f.Name], f.UidValidity));
        Assert.All(list, f => Assert.True(f.UidValidity > 0));
        Assert.All(list.Where(f => f.SpecialUse is not null), f => Assert.True(f.Subscribed));
    }

    [Fact]
    public void Status_counts_messages_recent_unseen_and_bytes()
    {
        Deliver("Q1", size: 300);
        Deliver("Q2", size: 200);
        Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Add, ["\\Seen"]));

        var status = Ask<FolderInfo>(new GetFolderStatus(Bob, "inbox"));

        Assert.Equal((2, 2, 1, 500L, 3L), (status.Messages, status.Recent, status.Unseen, status.Bytes, status.UidNext));
        Assert.Equal(MailboxRefusal.NoSuchFolder, Ask<MailboxCommandRefused>(new GetFolderStatus(Bob, "Nope")).Reason);
    }
}
