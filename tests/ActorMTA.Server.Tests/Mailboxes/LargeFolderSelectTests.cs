using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>A big INBOX is selected from the entity's state alone: the content store is never read.</summary>
public sealed class LargeFolderSelectTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private const int Count = 20_000;

    [Fact]
    public void Selecting_a_20000_message_inbox_reads_no_content()
    {
        var store = new CountingContentStore(Content);
        var settings = MailboxSettings.FromConfig(Sys.Settings.Config);
        // Started directly (not through the region) so the entity uses the counting store.
        var mailbox = Sys.ActorOf(Mailbox.Props("big@example.org", store, settings, EntityPersistenceCounters.Get(Sys).Mailbox));
        var arrival = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Count; i++)
            mailbox.Tell(new DeliverToMailbox("big@example.org", "Q" + i, Content.Add("Q" + i), 1000 + i, arrival, i), TestActor);
        ReceiveN(Count, TimeSpan.FromSeconds(60));
        mailbox.Tell(new StoreFlags("big@example.org", "INBOX", Enumerable.Range(1, 10).Select(i => (long)i).ToArray(), FlagStoreMode.Add, ["\\Seen"]), TestActor);
        ExpectMsg<FlagsStored>(TimeSpan.FromSeconds(10));

        var started = DateTime.UtcNow;
        mailbox.Tell(new SelectFolder("big@example.org", "INBOX", CreateTestProbe().Ref), TestActor);
        var selected = ExpectMsg<FolderSelected>(TimeSpan.FromSeconds(10));
        Output?.WriteLine($"SELECT of {Count} messages answered in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");

        Assert.Equal(Count, selected.Exists);
        Assert.Equal(Count, selected.Recent);
        Assert.Equal(11, selected.FirstUnseen);
        Assert.Equal(1000L + Count - 1, selected.Messages[^1].Size);
        Assert.Equal(0, store.Reads);
    }
}
