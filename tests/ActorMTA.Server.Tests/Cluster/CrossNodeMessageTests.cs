using ActorMTA.Server.Cluster;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Cluster;

/// <summary>
/// Two nodes over real remoting: the entities live on node B (the only one hosting regions), the test and its
/// "sessions" on node A, which reaches them through sharding proxies. Commands, replies, pushes and the parts of a
/// 20,000-message SELECT all cross the wire through ClusterMessageSerializer and the frame akka.conf sets.
/// </summary>
public sealed class CrossNodeMessageTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string Bob = "bob@example.org";
    private const int Count = 20_000;
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(1));
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _nodeA;
    private readonly TempDirectory _nodeB = new();
    private readonly InMemoryContentStore _content = new();
    private ActorSystem _systemB = null!;
    private IActorRef _mailbox = null!;
    private IActorRef _queue = null!;

    public CrossNodeMessageTests(ITestOutputHelper output) : this(new TempDirectory(), output) { }

    // The coordinator keeps its state in B's journal: in ddata mode it writes a proxy's registration to a majority,
    // which a proxy-only node A (no replicator of its own) never acknowledges.
    private const string Overrides = "akka.cluster.sharding.state-store-mode = persistence";

    private CrossNodeMessageTests(TempDirectory nodeA, ITestOutputHelper output)
        : base(NodeConfig.For(Path.Combine(nodeA.Path, "journal.db"), Overrides), "actormta", output) => _nodeA = nodeA;

    public async Task InitializeAsync()
    {
        _systemB = ActorSystem.Create("actormta", NodeConfig.For(Path.Combine(_nodeB.Path, "journal.db"), Overrides));
        await ClusterBootstrap.JoinSelfAsync(_systemB).WaitAsync(Wait);
        ShardRegions.Start(_systemB, _content);

        var shards = Sys.Settings.Config.GetInt("actormta.cluster.shard-count");
        var sharding = ClusterSharding.Get(Sys);
        _mailbox = await sharding.StartProxyAsync(ShardRegions.MailboxTypeName, null, new EntityMessageExtractor<IMailboxCommand>(shards, c => c.Address));
        _queue = await sharding.StartProxyAsync(ShardRegions.DomainQueueTypeName, null, new EntityMessageExtractor<IDomainQueueCommand>(shards, c => c.QueueName));

        var up = ClusterBootstrap.WhenUpAsync(Sys);
        Akka.Cluster.Cluster.Get(Sys).Join(Akka.Cluster.Cluster.Get(_systemB).SelfAddress);
        await up.WaitAsync(Wait);
    }

    public async Task DisposeAsync()
    {
        await _systemB.Terminate();
        _nodeB.Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _nodeA.Dispose();
    }

    private T Ask<T>(object command)
    {
        _mailbox.Tell(command, TestActor);
        return ExpectMsg<T>(Wait);
    }

    [Fact]
    public void A_20000_message_select_crosses_nodes_in_parts_and_pushes_reach_the_remote_session()
    {
        // MULTIAPPEND in batches: each command a large remote message itself.
        for (var start = 0; start < Count; start += 2_000)
        {
            var batch = Enumerable.Range(start, 2_000)
                .Select(i => new AppendedMessage("Q" + i, _content.Add("Q" + i), 1000 + i, Arrival, i % 2 == 0 ? ["\\Seen"] : []))
                .ToArray();
            Assert.Equal(2_000, Ask<MessagesAppendedToFolder>(new AppendMessages(Bob, "INBOX", batch)).Uids.Count);
        }
        Assert.Equal(Node(_systemB), Node(LastSender));

        var session = CreateTestProbe();
        _mailbox.Tell(new SelectFolder(Bob, "INBOX", session.Ref), TestActor);
        var assembler = new FolderSelectedParts.Assembler();
        FolderSelected? last = null;
        var parts = 0;
        while (last is null)
        {
            var reply = ExpectMsg<object>(Wait);
            if (reply is FolderSelectedPart part) { assembler.Add(part); parts++; }
            else last = Assert.IsType<FolderSelected>(reply);
        }
        var selected = assembler.Complete(last);
        Output?.WriteLine($"SELECT of {Count} messages came in {parts} parts and the reply");
        Assert.NotNull(selected);
        Assert.True(parts > 1);
        Assert.Equal(Count, selected.Exists);
        Assert.Equal(2, selected.FirstUnseen);
        Assert.Equal(1000L + Count - 1, selected.Messages[^1].Size);
        Assert.True(selected.Messages[0].HasFlag("\\SEEN"), "flags stay case-insensitive across nodes");

        // STORE from another session: the reply comes back here, the push goes to the selected session on node A.
        var stored = Ask<FlagsStored>(new StoreFlags(Bob, "INBOX", [2], FlagStoreMode.Add, ["\\FLAGGED"]));
        Assert.Contains("\\Flagged", Assert.Single(stored.Flags).Flags);
        var pushed = session.ExpectMsg<FolderChanged>(Wait);
        Assert.Equal(2, Assert.Single(pushed.FlagChanges).Uid);
        Assert.Contains("\\flagged", pushed.FlagChanges[0].Flags);
        Assert.Equal(Node(_systemB), Node(session.LastSender));

        Assert.IsType<FolderUnselected>(Ask<FolderUnselected>(new UnselectFolder(Bob, session.Ref)));
    }

    [Fact]
    public void Queue_commands_and_their_replies_cross_nodes()
    {
        _queue.Tell(new EnqueueDelivery("example.net", "Q1", _content.Add("Q1"), "sender@example.org", ["a@example.net"], 10, Arrival, 7), TestActor);
        Assert.Equal(7, ExpectMsg<DeliveryEnqueued>(Wait).CorrelationId);
        Assert.Equal(Node(_systemB), Node(LastSender));

        _queue.Tell(new SuspendQueue("example.net"), TestActor);
        Assert.Equal(1, ExpectMsg<QueueControlDone>(Wait).Affected);
        _queue.Tell(new GetQueueStatus("example.net"), TestActor);
        var status = ExpectMsg<QueueStatus>(Wait);
        Assert.True(status.Suspended);
        Assert.Equal("Q1", Assert.Single(status.Entries).QueueId);
    }

    [Fact]
    public void A_bundle_of_commands_crosses_once_and_its_replies_come_back_in_one_bundle_to_its_courier()
    {
        // The test actor stands in for node A's courier; three probes for the sessions whose commands it gathered.
        var sessions = Enumerable.Range(0, 3).Select(i => CreateTestProbe("session-" + i)).ToArray();
        var commands = sessions.Select((s, i) => new BundledCommand(s.Ref, new DeliverToMailbox("carol@example.org", "QB" + i, _content.Add("QB" + i), 100 + i, Arrival, 40 + i)))
            .ToArray();
        _mailbox.Tell(new EntityCommandBundle("carol@example.org", commands), TestActor);

        var bundle = ExpectMsg<EntityReplyBundle>(Wait);
        Assert.Equal(Node(_systemB), Node(LastSender));
        Assert.Equal(sessions.Select(s => s.Ref), bundle.Replies.Select(r => r.To));
        var delivered = bundle.Replies.Select(r => Assert.IsType<MailboxDelivered>(r.Message)).ToArray();
        Assert.Equal([40L, 41, 42], delivered.Select(d => d.CorrelationId));
        Assert.Equal(3, delivered.Select(d => d.Uid).Distinct().Count());
        foreach (var s in sessions) s.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // A command alone is answered as before, straight to its sender.
        _mailbox.Tell(new DeliverToMailbox("carol@example.org", "QB9", _content.Add("QB9"), 1, Arrival, 49), sessions[0].Ref);
        Assert.Equal(49, sessions[0].ExpectMsg<MailboxDelivered>(Wait).CorrelationId);
    }

    [Fact]
    public void A_courier_on_node_a_hands_each_session_its_own_reply_from_a_queue_on_node_b()
    {
        var shards = Sys.Settings.Config.GetInt("actormta.cluster.shard-count");
        var courier = Sys.ActorOf(EntityCourier.Props(_queue, new EntityMessageExtractor<IDomainQueueCommand>(shards, c => c.QueueName), 64));
        var sessions = Enumerable.Range(0, 20).Select(i => CreateTestProbe("sender-" + i)).ToArray();
        for (var i = 0; i < sessions.Length; i++)
            courier.Tell(new EnqueueDelivery("example.com", "QC" + i, _content.Add("QC" + i), "s@example.org", ["a@example.com"], 10, Arrival, 100 + i), sessions[i].Ref);
        for (var i = 0; i < sessions.Length; i++)
            Assert.Equal(100 + i, sessions[i].ExpectMsg<DeliveryEnqueued>(Wait).CorrelationId);

        _queue.Tell(new GetQueueStatus("example.com"), TestActor);
        Assert.Equal(sessions.Length, ExpectMsg<QueueStatus>(Wait).Entries.Count);
    }

    private static Address Node(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress;

    private static Address Node(IActorRef actor) => actor.Path.Address;
}
