using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Queues;
using Xunit;

namespace ActorMTA.Server.Tests.Observability;

public sealed class QueueEventDeriverTests
{
    private static readonly DateTimeOffset Queued = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Tried = Queued.AddSeconds(90);
    private const string Producer = "domain-queue|y.test";

    private static readonly QueueEventDeriver Deriver = new("y.test", Producer, "127.0.0.1:4053",
        reply => reply.EnhancedCode == "5.1.1" ? "InvalidRecipient" : "Uncategorized");

    private static readonly QueuedDelivery Entry =
        new QueuedDelivery("Q1", "ref/1", "s@h.test", ["a@y.test", "b@y.test", "c@y.test", "d@y.test"], 2048, Queued, 1, Queued, "451 x")
        {
            Pool = "bulk",
            Tags = new MessageTags("<m1@h.test>", "acme", "spring"),
        };

    private static AttemptReport Report(AttemptKind kind, params (string Recipient, SmtpReply Reply)[] replies) =>
        new(kind, Tried, "mx.y.test", "127.0.0.9", "Tls13", "TLS_AES_128_GCM_SHA256", "ip-1", "mx.y.test", "Example", 35,
            replies.Select(r => new RecipientReply(r.Recipient, r.Reply)).ToArray());

    [Fact]
    public void A_queued_message_is_received_once_per_recipient_with_its_tags()
    {
        var queued = new DeliveryQueued("Q1", "ref/1", "s@h.test", ["a@y.test", "b@y.test"], 2048, Queued)
            { Pool = "bulk", Tags = new MessageTags("<m1@h.test>", "acme", "spring") };

        var events = Deriver.Derive(3, queued, entry: null);

        Assert.Equal(["a@y.test", "b@y.test"], events.Select(e => e.Recipient));
        Assert.All(events, e =>
        {
            Assert.Equal((DeliveryEventType.Reception, Queued, "Q1", "<m1@h.test>", "s@h.test"), (e.Type, e.Time, e.QueueId, e.MessageId, e.Sender));
            Assert.Equal(("acme", "spring", "bulk", "y.test", 2048L, "127.0.0.1:4053"), (e.Tenant, e.Campaign, e.Pool, e.Queue, e.Size!.Value, e.Node));
        });
        Assert.Equal([$"{Producer}/3/0", $"{Producer}/3/1"], events.Select(e => e.Id));
        // A DeliveryQueued for a message the queue already holds adds nothing, and says nothing.
        Assert.Empty(Deriver.Derive(4, queued, Entry));
    }

    [Fact]
    public void An_attempt_gives_each_recipient_its_outcome_reply_and_connection()
    {
        var ok = new SmtpReply(250, "2.0.0", "OK queued as 77");
        var unknown = new SmtpReply(550, "5.1.1", "The email account that you tried to reach does not exist.");
        var later = new SmtpReply(451, "4.7.1", "Try again later");
        var attempt = new DeliveryAttempted("Q1", ["a@y.test"],
            [new FailedDelivery("b@y.test", "5.1.1", "smtp; 550 5.1.1 The email account that you tried to reach does not exist.", "mx.y.test", Tried),
             new FailedDelivery("d@y.test", "2.0.0", "smtp; 250 2.0.0 OK queued as 77", "mx.y.test", Tried)],
            true, Tried.AddMinutes(5), "451 4.7.1 Try again later")
        {
            Report = Report(AttemptKind.Attempt, ("a@y.test", ok), ("b@y.test", unknown), ("c@y.test", later), ("d@y.test", ok)),
        };

        var events = Deriver.Derive(8, attempt, Entry).ToDictionary(e => e.Recipient!);

        Assert.Equal(DeliveryEventType.Delivery, events["a@y.test"].Type);
        Assert.Equal(DeliveryEventType.Bounce, events["b@y.test"].Type);
        Assert.Equal(DeliveryEventType.TransientFailure, events["c@y.test"].Type);
        Assert.Equal(DeliveryEventType.Delivery, events["d@y.test"].Type); // relayed to a server without DSN: delivered
        var bounce = events["b@y.test"];
        Assert.Equal((550, "5.1.1", "InvalidRecipient"), (bounce.ReplyCode!.Value, bounce.EnhancedCode, bounce.BounceCategory));
        Assert.Equal(("mx.y.test", "127.0.0.9", "Tls13", "TLS_AES_128_GCM_SHA256", "ip-1", "Example"),
            (bounce.MxHost, bounce.MxIp, bounce.TlsProtocol, bounce.TlsCipher, bounce.Source, bounce.Provider));
        Assert.Equal((2, 90_000L, 35L, Tried), (bounce.Attempt!.Value, bounce.QueueTimeMs!.Value, bounce.AttemptMs!.Value, bounce.Time));
        Assert.Null(events["a@y.test"].BounceCategory);
        Assert.Equal("Uncategorized", events["c@y.test"].BounceCategory);
        Assert.Equal("Try again later", events["c@y.test"].ReplyText);
        // Derived again (after a crash), the events are the same, ids included.
        Assert.Equal(Deriver.Derive(8, attempt, Entry).Select(e => e.ToJsonLine()), Deriver.Derive(8, attempt, Entry).Select(e => e.ToJsonLine()));
    }

    [Theory]
    [InlineData(AttemptKind.Expiry, DeliveryEventType.Expiration)]
    [InlineData(AttemptKind.AdminBounce, DeliveryEventType.AdminBounce)]
    [InlineData(AttemptKind.Resolution, DeliveryEventType.Bounce)]
    public void Failures_without_an_attempt_are_named_by_what_settled_them(AttemptKind kind, string type)
    {
        var reply = new SmtpReply(550, "5.4.7", "Delivery time expired");
        var attempt = new DeliveryAttempted("Q1", [], [new FailedDelivery("a@y.test", "5.4.7", "smtp; 550 5.4.7 Delivery time expired", null, Tried)],
            false, Tried, null) { Report = Report(kind, ("a@y.test", reply)) };

        var e = Assert.Single(Deriver.Derive(9, attempt, Entry));

        Assert.Equal((type, 1), (e.Type, e.Attempt!.Value));
        Assert.Null(e.AttemptMs);
    }

    [Fact]
    public void An_attempt_journaled_before_reports_still_names_its_settled_recipients()
    {
        var attempt = new DeliveryAttempted("Q1", ["a@y.test"],
            [new FailedDelivery("b@y.test", "5.1.1", "smtp; 550 5.1.1 no such user", "mx.y.test", Tried)], true, Tried, null);

        var events = Deriver.Derive(5, attempt, Entry);

        Assert.Equal([(DeliveryEventType.Delivery, "a@y.test"), (DeliveryEventType.Bounce, "b@y.test")], events.Select(e => (e.Type, e.Recipient!)));
        Assert.Equal((550, "5.1.1", "no such user", "mx.y.test"), (events[1].ReplyCode!.Value, events[1].EnhancedCode, events[1].ReplyText, events[1].MxHost));
    }

    [Fact]
    public void An_event_line_reads_back_and_a_torn_line_is_no_event()
    {
        var e = Deriver.Derive(3, new DeliveryQueued("Q1", "r", "s@h.test", ["a@y.test"], 1, Queued), null)[0];
        var line = e.ToJsonLine();

        Assert.StartsWith("{\"id\":\"domain-queue|y.test/3/0\",\"type\":\"Reception\"", line);
        Assert.Equal(line, DeliveryEvent.FromJsonLine(line)!.ToJsonLine());
        Assert.Null(DeliveryEvent.FromJsonLine(line[..^5]));
        Assert.True(EventIds.TryParse(EventIds.OfLine(line), out var producer, out var sequence));
        Assert.Equal((Producer, 3L), (producer, sequence));
        Assert.False(EventIds.TryParse("rejection/0123abcd", out _, out _));
    }
}
