using ActorMTA.Server.Observability.Events;
using Xunit;
using static ActorMTA.Server.Tests.Observability.ReportSamples;

namespace ActorMTA.Server.Tests.Observability;

/// <summary>What a report at a report address becomes: Bounce / TransientFailure events from DSNs, a Feedback event from ARF.</summary>
public sealed class ReportEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_dsn_at_a_verp_address_is_one_async_bounce_of_the_message_and_recipient_we_sent()
    {
        var events = ReportEvents.From(Load(Dsn("bob.forwarded@elsewhere.example")), [To("bounces+01JQUEUE01=bob=remote.example@local.test")],
            "01JREPORT01", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal(DeliveryEventType.Bounce, e.Type);
        Assert.Equal("report|01JREPORT01/1/0", e.Id);
        Assert.Equal("01JQUEUE01", e.QueueId);
        Assert.Equal("bob@remote.example", e.Recipient);
        Assert.Equal("InvalidRecipient", e.BounceCategory);
        Assert.Equal(550, e.ReplyCode);
        Assert.Equal("5.1.1", e.EnhancedCode);
        Assert.Contains("User unknown", e.ReplyText);
        Assert.Equal("mx.remote.example", e.MxHost);
        Assert.Equal("hello-1@local.test", e.MessageId);
        Assert.Equal("async", e.BounceSource);
        Assert.Equal("01JREPORT01", e.ReportQueueId);
        Assert.Contains("\"bounce_source\":\"async\"", e.ToJsonLine());
        // A return path written before tenants were carried (or for a message without one): the global list's.
        Assert.Null(e.Tenant);
    }

    [Fact]
    public void A_dsn_at_a_tenants_verp_address_gives_a_bounce_of_that_tenant()
    {
        var returnPath = Addresses.ReturnPathFor("alice@local.test", "01JQUEUE01", "bob@remote.example", "acme");
        Assert.Equal("bounces+01JQUEUE01=~tacme=bob=remote.example@local.test", returnPath);

        var events = ReportEvents.From(Load(Dsn("bob@remote.example")), [To(returnPath)], "01JREPORT08", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal(DeliveryEventType.Bounce, e.Type);
        Assert.Equal("acme", e.Tenant);
        Assert.Equal("01JQUEUE01", e.QueueId);
        Assert.Equal("bob@remote.example", e.Recipient);
        Assert.Contains("\"tenant\":\"acme\"", e.ToJsonLine());
    }

    [Fact]
    public void A_delay_report_at_a_tenants_verp_address_is_a_transient_failure_of_that_tenant()
    {
        var events = ReportEvents.From(Load(Dsn("bob@remote.example", "delayed", "4.2.2", "smtp; 452 4.2.2 Mailbox full")),
            [To("bounces+01JQUEUE01=~tacme=bob=remote.example@local.test")], "01JREPORT09", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal(DeliveryEventType.TransientFailure, e.Type);
        Assert.Equal("acme", e.Tenant);
    }

    [Fact]
    public void A_delay_report_is_a_transient_failure()
    {
        var events = ReportEvents.From(Load(Dsn("bob@remote.example", "delayed", "4.2.2", "smtp; 452 4.2.2 Mailbox full")),
            [To("bounces+01JQUEUE01=bob=remote.example@local.test")], "01JREPORT02", Bounces, Addresses, "mta.local.test", Now);

        Assert.Equal(DeliveryEventType.TransientFailure, Assert.Single(events).Type);
    }

    [Fact]
    public void Without_verp_each_failed_recipient_the_dsn_names_is_a_bounce_without_a_queue_id()
    {
        var events = ReportEvents.From(Load(Dsn("carol@remote.example")), [To("fbl@local.test")], "01JREPORT03", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal("carol@remote.example", e.Recipient);
        Assert.Null(e.QueueId);
    }


    [Fact]
    public void A_complaint_at_the_feedback_address_names_the_complainer_and_our_queue_id_from_our_received_line()
    {
        var events = ReportEvents.From(Load(Arf("alice@local.test", "dave@yahoo.example")), [To("fbl@local.test")],
            "01JREPORT04", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal(DeliveryEventType.Feedback, e.Type);
        Assert.Equal("dave@yahoo.example", e.Recipient);
        Assert.Equal("abuse", e.FeedbackType);
        Assert.Equal("Yahoo!-Mail-Feedback/2.0", e.FeedbackAgent);
        Assert.Equal("hello-2@local.test", e.MessageId);
        Assert.Equal("01JQUEUE02", e.QueueId);
        Assert.Equal("alice@local.test", e.Sender);
        Assert.Contains("\"feedback_type\":\"abuse\"", e.ToJsonLine());
    }

    [Fact]
    public void A_complaint_about_verp_mail_takes_the_queue_id_from_its_return_path_when_nothing_else_names_it()
    {
        var arf = ArfTemplate.Replace("MAILFROM", "bounces+01JQUEUE03=erin=yahoo.example@local.test").Replace("Original-Rcpt-To: RCPTTO\n", "")
            .Replace("To: dave@yahoo.example", "To: redacted@yahoo.example").Replace("(ActorMTA) with ESMTPSA id 01JQUEUE02", "(Other) with ESMTPSA id X");
        var events = ReportEvents.From(Load(arf), [To("fbl@local.test")], "01JREPORT05", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal("01JQUEUE03", e.QueueId);
        // The enclosed To comes before the return path: that is what the provider says complained.
        Assert.Equal("redacted@yahoo.example", e.Recipient);
        Assert.Null(e.Tenant);
    }

    [Fact]
    public void A_complaint_at_the_feedback_address_about_a_tenants_verp_mail_names_that_tenant()
    {
        var arf = ArfTemplate.Replace("MAILFROM", "bounces+01JQUEUE03=~tacme=erin=yahoo.example@local.test").Replace("Original-Rcpt-To: RCPTTO\n", "")
            .Replace("To: dave@yahoo.example\n", "").Replace("(ActorMTA) with ESMTPSA id 01JQUEUE02", "(Other) with ESMTPSA id X");
        var events = ReportEvents.From(Load(arf), [To("fbl@local.test")], "01JREPORT10", Bounces, Addresses, "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal(DeliveryEventType.Feedback, e.Type);
        Assert.Equal("acme", e.Tenant);
        Assert.Equal("01JQUEUE03", e.QueueId);
        // Redacted report and copy: the complainer is the recipient the return path names.
        Assert.Equal("erin@yahoo.example", e.Recipient);
    }

    [Fact]
    public void A_complaint_sent_to_a_tenants_verp_address_names_that_tenant()
    {
        var arf = Arf("alice@local.test", "dave@yahoo.example");
        var events = ReportEvents.From(Load(arf), [To("bounces+01JQUEUE02=~tacme=dave=yahoo.example@local.test")], "01JREPORT11", Bounces, Addresses,
            "mta.local.test", Now);

        var e = Assert.Single(events);
        Assert.Equal(DeliveryEventType.Feedback, e.Type);
        Assert.Equal("acme", e.Tenant);
        Assert.Equal("dave@yahoo.example", e.Recipient);
    }

    [Fact]
    public void A_message_that_is_neither_gives_no_events()
    {
        var reply = "From: bob@remote.example\r\nTo: bounces+01JQUEUE01=bob=remote.example@local.test\r\nSubject: Re: hello\r\n\r\nPlease stop.\r\n";
        Assert.Empty(ReportEvents.From(Load(reply), [To("bounces+01JQUEUE01=bob=remote.example@local.test")], "01JREPORT06", Bounces, Addresses, "mta.local.test", Now));
    }

    [Fact]
    public void The_report_fields_survive_the_event_log_line()
    {
        var e = new DeliveryEvent
        {
            Id = "report|01JREPORT07/1/0", Type = DeliveryEventType.Feedback, Time = Now, Recipient = "dave@yahoo.example",
            BounceSource = "async", FeedbackType = "abuse", FeedbackAgent = "Yahoo!-Mail-Feedback/2.0", ReportQueueId = "01JREPORT07",
        };

        var line = e.ToJsonLine();
        Assert.Contains("\"feedback_agent\":\"Yahoo!-Mail-Feedback/2.0\"", line);
        Assert.Contains("\"report_queue_id\":\"01JREPORT07\"", line);
        Assert.Equal(e, DeliveryEvent.FromJsonLine(line));
    }
}
