using System.Text.Json;
using System.Text.Json.Serialization;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Serialization;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Xunit;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>
/// Every message that can cross nodes has the compact serializer akka.conf binds, never the JSON fallback, and comes
/// back from it field for field.
/// </summary>
public sealed class ClusterMessageSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bob = "bob@example.org";
    private const string Unicode = "Archiv/Grüße «2024» 日本";
    private static readonly DateTimeOffset Then = new(2024, 12, 31, 23, 59, 58, 123, TimeSpan.FromMinutes(-330));

    // akka.conf's serializer bindings on a local (non-cluster) system: serialization needs no cluster.
    public ClusterMessageSerializerTests() : base(ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf"))))) { }

    private static readonly MailboxMessage Seen = new(1, "0G4Q2B7K90001ABCDEFG", "3f/0G4Q2B7K90001ABCDEFG.1", 48213, Then,
        MailboxMessage.FlagSet(["\\Seen", "$Label1"])) { ModSeq = 17, Structure = [1, 2, 3, 0, 255] };
    private static readonly MailboxMessage Unflagged = new(300000, "0G4Q2B7K90002ABCDEFG", "3f/0G4Q2B7K90002ABCDEFG.2", 0,
        DateTimeOffset.MinValue.ToOffset(TimeSpan.Zero), MailboxMessage.NoFlags);

    private static readonly FlagChange Flagged = new(1, MailboxMessage.FlagSet(["\\Flagged", "\\Seen"])) { ModSeq = 18 };

    private static readonly IReadOnlyDictionary<string, DsnRecipientParameters> RecipientDsn =
        new Dictionary<string, DsnRecipientParameters>(StringComparer.Ordinal)
        {
            ["a@example.net"] = new(DsnNotify.Success | DsnNotify.Failure, "rfc822;a@example.net"),
            ["b@example.net"] = new(DsnNotify.Never, null),
        };

    private static readonly QueuedDelivery Retried = new("0G4Q2B7K90003ABCDEFG", "3f/0G4Q2B7K90003ABCDEFG.1", "sender@example.org",
        ["a@example.net", "b@example.net"], 2048, Then, 3, Then.AddMinutes(15), "451 4.7.1 greylisted")
    {
        Failures = [new FailedDelivery("c@example.net", "5.1.1", "smtp; 550 5.1.1 no such user", "mx.example.net", Then)],
        BouncesSent = 1,
        DelayWarningSent = true,
        Traits = ContentTraits.EightBitMime | ContentTraits.SmtpUtf8,
        Dsn = new DsnMessageParameters(DsnReturn.Headers, "envelope-1"),
        RecipientDsn = RecipientDsn,
    };

    /// <summary>At least one realistic value of every message type, optional fields given and left out.</summary>
    private static IEnumerable<object> Samples(IActorRef session) =>
    [
        // Mailbox commands.
        new DeliverToMailbox(Bob, "Q1", "ref/1", 1234, Then, 42) { OncePerQueueId = true },
        new DeliverToMailbox(Bob, "Q1", "ref/1", 0, Then, 0),
        new DeliverToMailbox(Bob, "Q1", "ref/1", 7, Then, 5)
            { ToJunk = true, Envelope = new DeliveryEnvelope("smtp", "192.0.2.1", "", ["Info@example.org", Bob], new MessageTags("<a@b>", null, "spring")) },
        new RetractDelivery(Bob, "Q1", 42),
        new GetMaildrop(Bob),
        new GetMaildrop(Bob, Unicode),
        new GetMaildrop(Bob) { WithoutStructures = true },
        new ExpungeMessages(Bob, "INBOX", [1, 2, 300000], 7),
        new ExpungeMessages(Bob, "INBOX", [], 0),
        new GetMailboxStats(Bob),
        new CreateFolder(Bob, Unicode),
        new DeleteFolder(Bob, Unicode),
        new RenameFolder(Bob, "INBOX", Unicode),
        new SubscribeFolder(Bob, Unicode),
        new UnsubscribeFolder(Bob, "gone"),
        new ListFolders(Bob),
        new GetFolderStatus(Bob, Unicode),
        new EnsureSpecialFolders(Bob),
        new SelectFolder(Bob, "INBOX", session),
        new SelectFolder(Bob, Unicode, session, ReadOnly: true) { VanishedSince = 99 },
        new UnselectFolder(Bob, session),
        new StoreFlags(Bob, "INBOX", [1, 5], FlagStoreMode.Remove, ["\\Deleted", "$Junk"], session) { UnchangedSince = 12 },
        new StoreFlags(Bob, "INBOX", [], FlagStoreMode.Replace, []),
        new GetVanished(Bob, "INBOX", 100),
        new AppendMessage(Bob, Unicode, "Q2", "ref/2", 99, Then, ["\\Draft"], session),
        new AppendMessage(Bob, "INBOX", "Q2", "ref/2", 99, Then, []),
        new GetQuota(Bob),
        new GetQuota(Bob, "INBOX"),
        new AppendMessages(Bob, "INBOX", [new AppendedMessage("Q3", "ref/3", 10, Then, ["\\Seen"]), new AppendedMessage("Q4", "ref/4", 0, Then, [])], session),
        new AppendMessages(Bob, Unicode, []),
        new CopyMessages(Bob, "INBOX", [1, 2], Unicode, session),
        new MoveMessages(Bob, "INBOX", [], "Trash"),
        new MoveMessages(Bob, Unicode, [7], "INBOX", session),
        new ExpungeDeleted(Bob, "INBOX"),
        new ExpungeDeleted(Bob, "INBOX", [3, 4], session, 9),
        new StoreMessageStructure(Bob, "INBOX", 3, [0, 1, 2, 255]),
        new StoreMessageStructure(Bob, "INBOX", 3, []),
        new ReleaseViewedContent(Bob, session, ["ref/1", "ref/2"]),
        new ReleaseViewedContent(Bob, session, []),

        // Mailbox replies and pushes.
        new MailboxDelivered(Bob, 42, 7),
        new DeliveryRetracted(Bob, "Q1", 42),
        new Maildrop(Bob, [Seen, Unflagged]),
        new Maildrop(Bob, []),
        new MessagesExpunged(Bob, "INBOX", [1], 3),
        new MailboxStats(Bob, [new FolderStats("INBOX", 2, 4096, 1735689600, 3), new FolderStats(Unicode, 0, 0, 0, 1)]),
        new MailboxStats(Bob, []),
        new MailboxCommandRefused(Bob, Unicode, MailboxRefusal.OverQuota),
        new FolderCommandDone(Bob, Unicode),
        new FolderList(Bob,
        [
            new FolderInfo("INBOX", true, null, false, 10, 2, 3, 40960, 1735689600, 11) { HighestModSeq = 44, Deleted = 1, DeletedBytes = 100 },
            new FolderInfo(Unicode, false, "\\Sent", true, 0, 0, 0, 0, 0, 1),
        ], ["INBOX", "gone"]),
        new FolderList(Bob, [], []),
        new FolderInfo("INBOX", true, "\\Junk", false, 1, 1, 1, 1, 2, 3) { HighestModSeq = 5 },
        new SpecialFoldersEnsured(Bob, ["Sent", "Drafts"]),
        new SpecialFoldersEnsured(Bob, []),
        new FolderSelected(Bob, "INBOX", false, 1735689600, 300001, 2, [Seen, Unflagged], 2, [.. MailboxFlags.System, "$Label1"], MailboxFlags.Permanent)
        {
            HighestModSeq = 17,
            VanishedSince = [4, 5],
        },
        new FolderSelected(Bob, Unicode, true, 1, 1, 1, [], null, MailboxFlags.System, []) { Parts = 3 },
        new FolderSelected(Bob, "INBOX", false, 1, 1, 1, [], null, [], []) { VanishedSince = [] },
        new FolderSelectedPart(Bob, Unicode, 2, [Seen]),
        new FolderSelectedPart(Bob, "INBOX", 0, []),
        new FolderUnselected(Bob),
        new FlagsStored(Bob, "INBOX", [Flagged, new FlagChange(2, MailboxMessage.NoFlags)]) { Modified = [3], Changed = [1] },
        new FlagsStored(Bob, "INBOX", []),
        new VanishedUids(Bob, [1, 2], 10),
        new VanishedUids(Bob, null, 10),
        new MessageAppendedToFolder(Bob, "INBOX", 1, 5) { Own = new AddedToSelected([Seen], [1]) },
        new MessageAppendedToFolder(Bob, Unicode, 1, 5),
        new QuotaStatus(Bob, 123456789, 1L << 30),
        new QuotaStatus(Bob, 0, null),
        new MessagesAppendedToFolder(Bob, "INBOX", 1, [5, 6]) { Own = new AddedToSelected([Seen, Unflagged], []) },
        new MessagesAppendedToFolder(Bob, "INBOX", 1, []),
        new MessagesCopied(Bob, "INBOX", Unicode, 2, [1, 2], [10, 11], Moved: true) { Own = new AddedToSelected([], []) },
        new MessagesCopied(Bob, "INBOX", "Trash", 2, [], [], Moved: false),
        new FolderChanged(Bob, "INBOX", [Seen], [1], [2, 3], [Flagged]),
        new FolderChanged(Bob, Unicode, [], [], [], []),

        // Domain-queue commands.
        new EnqueueDelivery("example.net", "Q1", "ref/1", "sender@example.org", ["a@example.net", "b@example.net"], 2048, Then, 5)
        {
            Traits = ContentTraits.EightBitMime,
            Dsn = new DsnMessageParameters(DsnReturn.Full, "envelope-ü"),
            RecipientDsn = RecipientDsn,
            Pool = "bulk",
        },
        new EnqueueDelivery("example.net#3", "Q1", "ref/1", "", [], 0, Then, 0),
        new RetractEnqueue("example.net", "Q1", 5),
        new GetQueueStatus("example.net"),
        new SuspendQueue("example.net"),
        new ResumeQueue("example.net"),
        new FlushQueue("example.net"),
        new BounceQueued("example.net", null, "Message bounced by the administrator"),
        new BounceQueued("example.net", "Q1", "Zurückgewiesen"),
        new DeleteQueued("example.net", "Q1"),

        // Domain-queue replies.
        new DeliveryEnqueued("example.net", 5),
        new EnqueueRetracted("example.net", "Q1", 5),
        new QueueStatus("example.net", 2, [Retried, Retried with { QueueId = "Q9", Attempts = 0, LastResult = null, Failures = [], RecipientDsn = QueuedDelivery.NoRecipientDsn, Pool = "bulk" }])
        {
            Suspended = true,
            Site = "mx1.example.net,mx2.example.net",
        },
        new QueueStatus("example.net", 0, []),
        new QueueControlDone("example.net", 3),

        // Greylist.
        new CheckGreylist("192.0.2.0/24", "alice@example.net", "bob@example.org"),
        new CheckGreylist("2001:db8:1:2::/64", "", Unicode),
        GreylistVerdict.Defer("192.0.2.0/24", TimeSpan.FromSeconds(299.5)),
        GreylistVerdict.Pass("2001:db8:1:2::/64"),
        GreylistVerdict.Whitelisted("192.0.2.0/24", GreylistPolicy.AutoWhitelisted),
        GreylistVerdict.Unavailable("192.0.2.0/24", "journal write failed: database or disk is full"),
        GreylistVerdict.Disabled("192.0.2.0/24"),

        // Send throttle.
        new AcquireSendPermits("a|provider:gmail", "aspmx.l.google.com", new SendLimits(10, 5, ShapingRate.Unlimited, ShapingRate.Parse("50/s", "k")), 3, 2, 100, 42),
        new AcquireSendPermits("a|site:mx.example.net", "mx.example.net", new SendLimits(1, 0, ShapingRate.Parse("50/s", "k"), ShapingRate.Unlimited), 0, 0, 0, long.MaxValue),
        new AcquireSendPermits("b|site:" + Unicode, Unicode, new SendLimits(2, 0, ShapingRate.Parse("3000/min", "k"), ShapingRate.Parse("1/h", "k")), 1, 1, 5, 1),
        new SendPermits("a|provider:gmail", "aspmx.l.google.com", 42, 2, 50, TimeSpan.FromMilliseconds(20)),
        new SendPermits("a|site:mx.example.net", "mx.example.net", long.MaxValue, 0, 0, TimeSpan.Zero),
        new SendPermits("a|site:mx.example.net", "mx.example.net", 7, 0, 1, TimeSpan.FromTicks(1428572)),
        new SendPermits("a|site:mx.example.net", "mx.example.net", 8, 1, 1, TimeSpan.Zero) { MessagesPerConnection = 3 },
        new ReleaseConnections("a|provider:gmail", "aspmx.l.google.com", 1),
        new ReleaseConnections("b|site:" + Unicode, Unicode, 3),
        new SendPermitsFreed("a|provider:gmail"),
        new SendPermitsFreed("b|site:" + Unicode),
        new ReleaseIdleConnections("a|provider:gmail"),
        new ReportSiteReply("a|provider:yahoo", "mta5.am0.yahoodns.net", new ActorMTA.Protocol.Smtp.SmtpReply(421, "4.7.0", ["[TS04] Messages from 192.0.2.1 temporarily deferred", "see https://postmaster.example"])),
        new ReportSiteReply("a|site:mx.example.net", "mx.example.net", new ActorMTA.Protocol.Smtp.SmtpReply(450, null, "try later")),
        new ImposeSendAction("a|site:mx.example.net", AutomationScope.Site, "mx.example.net", "suspend", TimeSpan.FromHours(1), "ctl site suspend"),
        new ImposeSendAction("a|provider:gmail", AutomationScope.Provider, "gmail", "message-rate = 10/min", TimeSpan.FromMinutes(5), Unicode),
        new CancelSendActions("a|provider:gmail", "gmail"),
        new GetSendThrottleStatus("b|site:" + Unicode),
        new SendThrottleStatus("a|provider:gmail", [new SiteConnections("aspmx.l.google.com", 3), new SiteConnections(Unicode, 0)],
            [new ActiveAutomation(7, "a", AutomationScope.Provider, "gmail", new AutomationAction.MessageRate(ShapingRate.Parse("10/min", "k")),
                DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), DateTimeOffset.FromUnixTimeSeconds(1_700_000_300), "gmail-4.7.28: 421 4.7.28 slow down"),
             new ActiveAutomation(8, "*", AutomationScope.Site, "mx.example.net", new AutomationAction.Suspend(),
                DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), DateTimeOffset.FromUnixTimeSeconds(1_700_003_600), "ctl site suspend")], 2),
        new SendThrottleStatus("b|site:x", [], []),

        // Cluster.
        new JournalWriteFailed(new CheckGreylist("192.0.2.0/24", "", "bob@example.org"), "I/O error"),
        new JournalWriteFailed(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Add, ["\\Seen"], session), "database or disk is full"),
        new JournalWriteFailed(new EnqueueDelivery("example.net", "Q1", "ref/1", "", ["a@example.net"], 1, Then, 2), "I/O error"),
        PassivateEntity.Instance,
        new EntityCommandBundle(Bob, [new BundledCommand(session, new DeliverToMailbox(Bob, "Q1", "ref/1", 1, Then, 3)),
            new BundledCommand(session, new RetractDelivery(Bob, "Q1", 3))]),
        new EntityReplyBundle([new BundledReply(session, new MailboxDelivered(Bob, 3, 7)), new BundledReply(session, new DeliveryEnqueued("example.net", 4))]),
    ];

    /// <summary>Every type a node may send another: the marker's and the entity command interfaces' implementations.</summary>
    private static IReadOnlyList<Type> CrossNodeTypes() => typeof(IClusterMessage).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false })
        .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) || typeof(IMailboxCommand).IsAssignableFrom(t) || typeof(IDomainQueueCommand).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToList();

    [Fact]
    public void A_delivery_without_an_envelope_keeps_the_MD_layout()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(DeliverToMailbox));
        var plain = new DeliverToMailbox(Bob, "Q1", "ref/1", 1, Then, 3);
        Assert.Equal("MD", serializer.Manifest(plain));
        var withEnvelope = plain with { Envelope = new DeliveryEnvelope("dsn", null, "", [Bob], MessageTags.None) };
        Assert.Equal("MD2", serializer.Manifest(withEnvelope));
        var back = (DeliverToMailbox)RoundTrip(withEnvelope);
        Assert.Equal(("dsn", (string?)null, "", Bob), (back.Envelope!.Protocol, back.Envelope.ClientIp, back.Envelope.Sender, Assert.Single(back.Envelope.Recipients)));
        Assert.Null(((DeliverToMailbox)RoundTrip(plain)).Envelope);
    }

    [Fact]
    public void Every_cross_node_message_type_is_bound_to_the_cluster_serializer_not_json()
    {
        var types = CrossNodeTypes();
        Assert.True(types.Count >= 50, $"only {types.Count} message types found: is the reflection looking at the right assembly?");
        var unbound = types
            .Where(t => Sys.Serialization.FindSerializerForType(t) is not ClusterMessageSerializer)
            .Select(t => $"{t.FullName} -> {Sys.Serialization.FindSerializerForType(t).GetType().Name}")
            .ToList();
        Assert.True(unbound.Count == 0, "bound to another serializer (JSON fallback?):\n" + string.Join("\n", unbound));
    }

    [Fact]
    public void Every_cross_node_message_type_has_a_round_trip_sample()
    {
        var sampled = Samples(TestActor).Select(s => s.GetType()).ToHashSet();
        var missing = CrossNodeTypes().Where(t => !sampled.Contains(t)).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, "no sample in ClusterMessageSerializerTests.Samples (add one, and the serializer case):\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Every_sample_round_trips_field_for_field()
    {
        var session = CreateTestProbe("imap-session").Ref;
        var failures = new List<string>();
        foreach (var sample in Samples(session))
        {
            try
            {
                var back = RoundTrip(sample);
                Assert.IsType(sample.GetType(), back);
                Assert.Equal(Canonical(sample), Canonical(back));
            }
            catch (Exception e)
            {
                failures.Add($"{sample.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Actor_refs_resolve_to_the_same_actor()
    {
        var session = CreateTestProbe("imap-session");
        var back = (SelectFolder)RoundTrip(new SelectFolder(Bob, "INBOX", session.Ref));
        Assert.Equal(session.Ref, back.Session);
        back.Session.Tell("pushed");
        session.ExpectMsg("pushed");

        Assert.Null(((StoreFlags)RoundTrip(new StoreFlags(Bob, "INBOX", [1], FlagStoreMode.Add, ["\\Seen"]))).Session);
        Assert.Null(((ExpungeDeleted)RoundTrip(new ExpungeDeleted(Bob, "INBOX", Session: ActorRefs.Nobody))).Session);
    }

    [Fact]
    public void Flags_stay_case_insensitive_after_a_round_trip()
    {
        var selected = (FolderSelected)RoundTrip(new FolderSelected(Bob, "INBOX", false, 1, 2, 1, [Seen], 1, [], []));
        Assert.Contains("\\SEEN", selected.Messages[0].Flags);
        Assert.True(selected.Messages[0].HasFlag("\\seen"));
        Assert.True(selected.Messages[0].Flags.SetEquals(["\\SEEN", "$label1"]));

        var changed = (FolderChanged)RoundTrip(new FolderChanged(Bob, "INBOX", [Seen], [], [], [Flagged]));
        Assert.Contains("\\SEEN", changed.Appended[0].Flags);
        Assert.Contains("\\FLAGGED", changed.FlagChanges[0].Flags);

        var stored = (FlagsStored)RoundTrip(new FlagsStored(Bob, "INBOX", [Flagged]));
        Assert.Contains("\\flagged", stored.Flags[0].Flags);

        // No flags at all: still a case-insensitive set a later change can be compared with.
        var empty = ((Maildrop)RoundTrip(new Maildrop(Bob, [Unflagged]))).Messages[0].Flags;
        Assert.True(empty.SetEquals(MailboxMessage.FlagSet([])));
        Assert.False(empty.Contains("\\Seen"));
    }

    [Fact]
    public void Journal_write_failed_carries_its_command_whatever_its_serializer()
    {
        // A message of no binding of ours (JSON): JournalWriteFailed still names the command it failed.
        var back = (JournalWriteFailed)RoundTrip(new JournalWriteFailed("a string command", "disk full"));
        Assert.Equal("a string command", back.Command);
        var nested = (JournalWriteFailed)RoundTrip(new JournalWriteFailed(new DeliverToMailbox(Bob, "Q1", "ref/1", 1, Then, 3), "disk full"));
        Assert.Equal(new DeliverToMailbox(Bob, "Q1", "ref/1", 1, Then, 3), nested.Command);
    }

    [Fact]
    public void Send_limits_keep_their_rates_exactly_unlimited_included()
    {
        var fifty = ShapingRate.Parse("50/s", "k");
        var sent = new AcquireSendPermits("a|site:mx.example.net", "mx.example.net", new SendLimits(10, 4, ShapingRate.Unlimited, fifty), 1, 2, 3, 4);

        var back = (AcquireSendPermits)RoundTrip(sent);

        Assert.Equal(sent, back);
        Assert.Equal(new SendLimits(10, 4, ShapingRate.Unlimited, fifty), back.Limits);
        Assert.True(back.Limits.MessageRate.IsUnlimited);
        Assert.Equal(ShapingRate.Unlimited, back.Limits.MessageRate);
        Assert.Equal(new ShapingRate(50, TimeSpan.FromSeconds(1)), back.Limits.ConnectionRate);
        Assert.Equal("50/s", back.Limits.ConnectionRate.ToString());
    }

    [Fact]
    public void Send_permits_keep_their_retry_after_to_the_tick()
    {
        var sent = new SendPermits("a|provider:gmail", "aspmx.l.google.com", 9, 1, 2, TimeSpan.FromTicks(1428572));

        Assert.Equal(sent, RoundTrip(sent));
        Assert.Equal(new ReleaseConnections("k", "mx.example.net", 2), RoundTrip(new ReleaseConnections("k", "mx.example.net", 2)));
        Assert.Equal(new SendPermitsFreed("k"), RoundTrip(new SendPermitsFreed("k")));
    }

    [Fact]
    public void A_queue_status_from_a_node_without_sites_still_reads()
    {
        // The layout before AS2 is AS2's without the trailing site, which an absent one writes as a single byte; with no
        // entries (whose pools AS3 adds), AS3's is AS2's.
        var status = new QueueStatus("example.net", 0, []) { Suspended = true };
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(status);
        Assert.Equal("AS3", serializer.Manifest(status));
        var withoutSite = serializer.ToBinary(status)[..^1];

        var back = (QueueStatus)serializer.FromBinary(withoutSite, "AS");

        Assert.Equal(("example.net", true, (string?)null), (back.QueueName, back.Suspended, back.Site));
    }

    [Fact]
    public void Send_permits_from_a_node_without_the_per_connection_cap_still_read()
    {
        // TP is TP2 without the trailing cap (0 is one byte, 7-bit encoded).
        var sent = new SendPermits("a|site:mx.example.net", "mx.example.net", 9, 1, 2, TimeSpan.FromSeconds(1));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(sent);
        Assert.Equal("TP2", serializer.Manifest(sent));

        var back = (SendPermits)serializer.FromBinary(serializer.ToBinary(sent)[..^1], "TP");

        Assert.Equal(sent, back);
    }

    [Fact]
    public void An_enqueue_from_a_node_without_pools_still_reads()
    {
        // QE is QE3 without the trailing pool and tags, which absent ones write as a single byte each.
        var enqueue = new EnqueueDelivery("example.net", "Q1", "ref/1", "s@example.org", ["a@example.net"], 10, Then, 7) { Traits = ContentTraits.SmtpUtf8 };
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(enqueue);
        Assert.Equal("QE3", serializer.Manifest(enqueue));

        var back = (EnqueueDelivery)serializer.FromBinary(serializer.ToBinary(enqueue)[..^4], "QE");

        Assert.Equal(("Q1", 7L, ContentTraits.SmtpUtf8, (string?)null), (back.QueueId, back.CorrelationId, back.Traits, back.Pool));
    }

    [Fact]
    public void The_tags_of_an_enqueue_cross_nodes()
    {
        var enqueue = new EnqueueDelivery("example.net", "Q1", "ref/1", "s@example.org", ["a@example.net"], 10, Then, 7)
            { Pool = "bulk", Tags = new MessageTags("<m1@example.org>", "acme", "spring") };
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(enqueue);

        var back = (EnqueueDelivery)serializer.FromBinary(serializer.ToBinary(enqueue), serializer.Manifest(enqueue));

        Assert.Equal(("bulk", enqueue.Tags), (back.Pool, back.Tags));
        // A QE2 enqueue (before tags) reads without them.
        var qe2 = (EnqueueDelivery)serializer.FromBinary(serializer.ToBinary(enqueue with { Tags = MessageTags.None })[..^3], "QE2");
        Assert.Equal(("bulk", MessageTags.None), (qe2.Pool, qe2.Tags));
    }

    [Fact]
    public void An_unknown_manifest_is_refused_rather_than_misread()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(FolderSelected));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary([1, 2, 3], "ZZ"));
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var message = new FolderUnselected(Bob);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message).Append((byte)0).ToArray();
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes, serializer.Manifest(message)));
    }

    [Fact]
    public void Manifests_are_distinct_and_differ_from_the_journal_serializer()
    {
        var manifests = typeof(ClusterMessageSerializer).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        Assert.Equal(manifests.Count, manifests.Distinct(StringComparer.Ordinal).Count());
        Assert.NotEqual(EntityRecordSerializer.Id, ClusterMessageSerializer.Id);
    }

    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterMessageSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    // Every public property (collections by content, timestamps with their offsets, structure blobs in base64,
    // actor refs by full path and uid, an unlimited rate's infinite PerSecond by name) in one string: records
    // holding collections do not compare by value.
    private static readonly JsonSerializerOptions CanonicalOptions = new()
    {
        Converters = { new ActorRefPath() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string Canonical(object o) => JsonSerializer.Serialize(o, o.GetType(), CanonicalOptions);

    private sealed class ActorRefPath : JsonConverter<IActorRef>
    {
        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Path.ToSerializationFormat());
    }
}
