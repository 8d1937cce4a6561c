using ActorMTA.Server.Mailboxes;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

public sealed class MailboxMessageCommandTests(ITestOutputHelper output) : MailboxMessageCommandCases(output, null);

/// <summary>The cases of <see cref="MailboxMessageCommandTests"/>, also run with serialize-messages on (SerializedEntityTests).</summary>
public abstract class MailboxMessageCommandCases(ITestOutputHelper output, string? overrides) : MailboxImapTestKit(output, overrides)
{
    private FolderSelected Select(string folder, bool readOnly = false) =>
        Ask<FolderSelected>(new SelectFolder(Bob, folder, CreateTestProbe().Ref, readOnly));

    [Fact]
    public void Store_adds_removes_and_replaces_flags_and_answers_the_new_sets()
    {
        Deliver("Q1");
        Deliver("Q2");

        var added = Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1, 2, 99], FlagStoreMode.Add, ["\\Seen", "$Work", "\\Recent"]));
        var removed = Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [2], FlagStoreMode.Remove, ["\\seen"]));
        var replaced = Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Replace, ["\\Flagged", "\\Deleted"]));

        Assert.Equal(new[] { 1L, 2L }, added.Flags.Select(f => f.Uid));
        Assert.Equal(new[] { "$Work", "\\Seen" }, added.Flags[0].Flags.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "$Work" }, removed.Flags.Single().Flags);
        Assert.Equal(new[] { "\\Deleted", "\\Flagged" }, replaced.Flags.Single().Flags.Order(StringComparer.Ordinal));
        var messages = Messages("INBOX");
        Assert.Equal(new[] { "\\Deleted", "\\Flagged" }, Flags(messages[0]));
        Assert.Equal(new[] { "$Work" }, Flags(messages[1]));
    }

    [Fact]
    public void Messages_are_recent_for_exactly_one_read_write_session()
    {
        Deliver("Q1");
        Deliver("Q2");
        var firstSession = CreateTestProbe();

        var examined = Select("INBOX", readOnly: true);
        var first = Ask<FolderSelected>(new SelectFolder(Bob, "INBOX", firstSession.Ref));
        var second = Select("INBOX");

        Assert.Equal(2, examined.Recent); // EXAMINE sees them but does not take them
        Assert.Equal(2, first.Recent);
        Assert.Equal(0, second.Recent);
        Assert.Equal(0, Folder("INBOX").Recent);

        // Arriving while sessions have INBOX selected: recent for the oldest read-write selection only.
        Deliver("Q3");
        Assert.Equal(new[] { 3L }, firstSession.ExpectMsg<FolderChanged>(Wait).RecentUids);
        Assert.Equal(0, Select("INBOX").Recent);

        // Arriving while nobody has it selected: recent for the next session that selects it.
        Ask<FolderUnselected>(new UnselectFolder(Bob, firstSession.Ref));
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Quiet"));
        Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Quiet", "A1", Content.Add("A1"), 1, Arrival, []));
        var quiet = Select("Quiet");
        Assert.Equal(new[] { 1L }, quiet.Messages.Where(m => m.Uid >= quiet.RecentFrom).Select(m => m.Uid));
        Assert.Equal(0, Select("Quiet").Recent);
    }

    [Fact]
    public void Select_answers_the_folder_snapshot()
    {
        Deliver("Q1", size: 111);
        Deliver("Q2");
        Deliver("Q3");
        Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1, 3], FlagStoreMode.Add, ["\\Seen", "Later"]));

        var selected = Select("inbox");

        Assert.Equal(("INBOX", 3, 4L, 2, false), (selected.Folder, selected.Exists, selected.UidNext, selected.FirstUnseen!.Value, selected.ReadOnly));
        Assert.Equal(Folder("INBOX").UidValidity, selected.UidValidity);
        Assert.Equal(("Q1", 111L, Arrival), (selected.Messages[0].QueueId, selected.Messages[0].Size, selected.Messages[0].InternalDate));
        Assert.Contains("Later", selected.Flags);
        Assert.Contains("\\Deleted", selected.Flags);
        Assert.Contains("\\*", selected.PermanentFlags);
        Assert.Equal(MailboxRefusal.NoSuchFolder, Ask<MailboxCommandRefused>(new SelectFolder(Bob, "Nope", TestActor)).Reason);
    }

    [Fact]
    public void Append_stores_flags_and_date_and_answers_appenduid_data()
    {
        Ask<SpecialFoldersEnsured>(new EnsureSpecialFolders(Bob));
        var date = new DateTimeOffset(2020, 2, 29, 8, 30, 0, TimeSpan.FromHours(-5));
        var reference = Content.Add("D1");

        var first = Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Drafts", "D1", reference, 42, date, ["\\Draft", "\\Seen"]));
        var second = Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Drafts", "D2", Content.Add("D2"), 1, date, []));

        Assert.Equal((1L, 2L), (first.Uid, second.Uid));
        Assert.Equal(Folder("Drafts").UidValidity, first.UidValidity);
        var stored = Messages("Drafts")[0];
        Assert.Equal((reference, 42L, date, date.Offset), (stored.ContentRef, stored.Size, stored.InternalDate, stored.InternalDate.Offset));
        Assert.Equal(new[] { "\\Draft", "\\Seen" }, Flags(stored));

        var orphan = Content.Add("D3");
        Assert.Equal(MailboxRefusal.NoSuchFolder, Ask<MailboxCommandRefused>(new AppendMessage(Bob, "Nope", "D3", orphan, 1, date, [])).Reason);
        AwaitCondition(() => Content.IsReleased(orphan), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Copy_adds_a_content_reference_per_copy_and_answers_copyuid_data()
    {
        var original = Content.Add("Q1", "the bytes");
        Deliver("Q1", original);
        Deliver("Q2");
        Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Add, ["\\Flagged"]));
        Ask<FolderCommandDone>(new CreateFolder(Bob, "Keep"));
        Ask<MessageAppendedToFolder>(new AppendMessage(Bob, "Keep", "K1", Content.Add("K1"), 1, Arrival, []));

        var copied = Ask<MessagesCopied>(new CopyMessages(Bob, "INBOX", [2, 1, 7], "Keep"));

        Assert.Equal(new long[] { 1, 2 }, copied.SourceUids);
        Assert.Equal(new long[] { 2, 3 }, copied.TargetUids);
        Assert.False(copied.Moved);
        Assert.Equal(Folder("Keep").UidValidity, copied.UidValidity);
        var copy = Messages("Keep")[1];
        Assert.NotEqual(original, copy.ContentRef);
        Assert.Equal(new[] { "\\Flagged" }, Flags(copy));
        using (var reader = new StreamReader(Content.OpenRead(copy.ContentRef))) Assert.Equal("the bytes", reader.ReadToEnd());

        // Each copy owns its reference: expunging the original leaves the copy readable.
        Ask<MessagesExpunged>(new ExpungeMessages(Bob, "INBOX", [1], 0));
        AwaitCondition(() => Content.IsReleased(original), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(copy.ContentRef));
        Assert.Equal(MailboxRefusal.NoSuchFolder, Ask<MailboxCommandRefused>(new CopyMessages(Bob, "INBOX", [2], "Nope")).Reason);
    }

    [Fact]
    public void Move_takes_messages_out_of_the_source_in_one_step_keeping_their_reference()
    {
        var reference = Content.Add("Q1");
        Deliver("Q1", reference);
        Deliver("Q2");
        Ask<SpecialFoldersEnsured>(new EnsureSpecialFolders(Bob));
        var batchesBefore = Counters.Mailbox.Batches;

        var moved = Ask<MessagesCopied>(new MoveMessages(Bob, "INBOX", [1], "Trash"));

        Assert.Equal(1, Counters.Mailbox.Batches - batchesBefore);
        Assert.Equal(new long[] { 1 }, moved.SourceUids);
        Assert.Equal(new long[] { 1 }, moved.TargetUids);
        Assert.True(moved.Moved);
        Assert.Equal(new[] { 2L }, Messages("INBOX").Select(m => m.Uid));
        Assert.Equal(reference, Assert.Single(Messages("Trash")).ContentRef);
        Assert.False(Content.IsReleased(reference));
    }

    [Fact]
    public void Expunge_removes_only_deleted_messages_optionally_restricted_to_uids_and_releases_them()
    {
        var refs = Enumerable.Range(1, 4).Select(i => Content.Add("Q" + i)).ToArray();
        for (var i = 0; i < 4; i++) Deliver("Q" + (i + 1), refs[i]);
        Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [1, 2, 4], FlagStoreMode.Add, ["\\Deleted"]));

        var uidExpunge = Ask<MessagesExpunged>(new ExpungeDeleted(Bob, "INBOX", [2, 3]));
        Assert.Equal(new[] { 2L }, uidExpunge.Uids);
        var expunge = Ask<MessagesExpunged>(new ExpungeDeleted(Bob, "INBOX"));

        Assert.Equal(new[] { 1L, 4L }, expunge.Uids);
        Assert.Equal(new[] { 3L }, Messages("INBOX").Select(m => m.Uid));
        AwaitCondition(() => Content.IsReleased(refs[0]) && Content.IsReleased(refs[1]) && Content.IsReleased(refs[3]), TimeSpan.FromSeconds(5));
        Assert.True(Content.Exists(refs[2]));
    }
}
