using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>Entity tests of the IMAP commands: ask the Mailbox region and wait for the typed reply.</summary>
public abstract class MailboxImapTestKit(ITestOutputHelper output, string? overrides = null) : EntityTestKit(output, overrides)
{
    protected const string Bob = "bob@example.org";
    protected static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(1));
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected T Ask<T>(IMailboxCommand command)
    {
        Regions.Mailbox.Tell(command, TestActor);
        return ExpectMsg<T>(Wait);
    }

    protected MailboxDelivered Deliver(string queueId, string? reference = null, long size = 100) =>
        Ask<MailboxDelivered>(new DeliverToMailbox(Bob, queueId, reference ?? Content.Add(queueId), size, Arrival, 1));

    protected FolderInfo Folder(string name) =>
        Assert.Single(Ask<FolderList>(new ListFolders(Bob)).Folders, f => f.Name == name);

    protected IReadOnlyList<MailboxMessage> Messages(string folder) =>
        Ask<Maildrop>(new GetMaildrop(Bob, folder)).Messages;

    protected static string[] Flags(MailboxMessage m) => m.Flags.Order(StringComparer.Ordinal).ToArray();
}
