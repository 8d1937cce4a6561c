using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.Integration.Tests.Http;
using Xunit;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// Reports that come back later, over real sockets: with VERP on, a relayed copy leaves with its VERP return path; a
/// DSN sent there is acknowledged only once its Bounce event is in the log, and a hard one suppresses the recipient.
/// An ARF complaint at the feedback-loop address gives a Feedback event and a complaint entry; a report nothing can
/// read goes to the postmaster. A tenant's message (HTTP API) leaves with its tenant in the return path, and its
/// asynchronous hard bounce suppresses the recipient on that tenant's list only.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AsyncReportTests
{
    private const string Mx = "127.0.62.1";
    private const string Remote = "verp-remote.test";
    private const string Fbl = "fbl@" + ServerProcess.Domain;
    private const string HttpToken = "async-report-token";
    private static readonly TestUser Sender = TestUser.Local("report-sender");
    // A user of that name: the postmaster's mail is stored in a mailbox the test can read over POP3.
    private static readonly TestUser Postmaster = TestUser.Local("postmaster");

    private static readonly string Overrides = $$"""
        actormta.bounces { verp = on, feedback-addresses = ["{{Fbl}}"] }
        actormta.suppression.automatic = on
        """;

    [Fact]
    public async Task A_dsn_at_the_verp_return_path_becomes_an_async_bounce_and_suppresses_the_recipient()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(Remote, Mx)], [Sender, Postmaster], overrides: Overrides);
        var token = "verp-" + Guid.NewGuid().ToString("N");
        await bed.SubmitAsync(Sender, ["gone@" + Remote, "kept@" + Remote], DeliveryTestBed.Message(Sender.Address, "gone@" + Remote, token));

        // One transaction per recipient, each MAIL FROM its own VERP address at the primary domain.
        var copies = await bed.Receiver(Mx).WaitForMessagesAsync(2, TimeSpan.FromSeconds(20));
        // The documented form: bounces+QUEUEID=LOCAL=DOMAIN@VERP-DOMAIN (here nothing needs ~XX escaping).
        var copy = copies.Single(c => c.Recipients.SequenceEqual(["gone@" + Remote]));
        var match = Regex.Match(copy.MailFrom, $@"^bounces\+(?<id>[A-Za-z0-9]+)=gone={Regex.Escape(Remote)}@{Regex.Escape(ServerProcess.Domain)}$");
        Assert.True(match.Success, copy.MailFrom);
        var queueId = match.Groups["id"].Value;
        var other = copies.Single(c => c.Recipients.SequenceEqual(["kept@" + Remote]));
        Assert.Equal($"bounces+{queueId}=kept={Remote}@{ServerProcess.Domain}", other.MailFrom);

        // The remote side accepted it, then bounced it later: an RFC 3464 DSN to the return path, from the null sender.
        var dsn = Dsn(copy.MailFrom, "gone@" + Remote, token);
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Smtp))
        {
            var reply = await smtp.SendMessageAsync("", [copy.MailFrom], dsn);
            Assert.True(reply.Code == 250, reply + "\n" + bed.ServerTail());
            await smtp.QuitAsync();
        }

        // The 250 came after the event log confirmed the event: it is there now, not eventually.
        var events = ReadEvents(bed);
        var bounce = Assert.Single(events, e => Str(e, "type") == "Bounce" && Str(e, "bounce_source") == "async");
        Assert.Equal(queueId, Str(bounce, "queue_id"));
        Assert.Equal("gone@" + Remote, Str(bounce, "recipient"));
        Assert.Equal("InvalidRecipient", Str(bounce, "bounce_category"));
        Assert.Equal(550, bounce["reply_code"]!.GetValue<int>());
        Assert.Equal("5.1.1", Str(bounce, "enhanced_code"));
        Assert.Equal($"{token}@it.test", Str(bounce, "message_id"));
        Assert.StartsWith("report|", Str(bounce, "id"));
        // The same message's Reception has the queue id the VERP address carried.
        Assert.Contains(events, e => Str(e, "type") == "Reception" && Str(e, "queue_id") == queueId);

        var entry = await WaitForSuppressionAsync(bed, "gone@" + Remote);
        Assert.Equal("bounce", Str(entry, "source").ToLowerInvariant());
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Submission, startTls: true, auth: Sender))
        {
            SmtpConversation.Expect(await smtp.CommandAsync($"MAIL FROM:<{Sender.Address}>"), 250);
            var refused = await smtp.CommandAsync($"RCPT TO:<gone@{Remote}>");
            Assert.Equal(550, refused.Code);
            Assert.Equal("5.7.1", refused.EnhancedCode);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<kept@{Remote}>"), 250);
            await smtp.QuitAsync();
        }
        // The report itself went nowhere: no mailbox got it.
        Assert.Empty(await bed.MailboxAsync(Postmaster));
    }

    [Fact]
    public async Task A_dsn_about_a_tenants_relayed_message_suppresses_the_recipient_on_that_tenants_list_only()
    {
        var httpPort = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(Remote, Mx)], [Sender, Postmaster], overrides: Overrides + $$"""

            actormta.http { enabled = on, port = {{httpPort}}, tokens = ["{{HttpToken}}"] }
            """);
        var token = "verp-tenant-" + Guid.NewGuid().ToString("N");
        JsonObject Inject(string tenant) => new()
        {
            ["envelope_sender"] = Sender.Address,
            ["tenant"] = tenant,
            ["content"] = $"From: {Sender.Address}\r\nTo: gone@{Remote}\r\nSubject: {token}\r\nMessage-ID: <{token}@it.test>\r\n\r\nHello.\r\n",
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = "gone@" + Remote }),
        };
        Assert.Equal(1, (await InjectApi.InjectAsync(httpPort, HttpToken, Inject("acme"))).SuccessCount);

        // The return path names the tenant: whichever node the bounce reaches can tell whose list it belongs on.
        var copy = Assert.Single(await bed.Receiver(Mx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        var match = Regex.Match(copy.MailFrom, $@"^bounces\+(?<id>[A-Za-z0-9]+)=~tacme=gone={Regex.Escape(Remote)}@{Regex.Escape(ServerProcess.Domain)}$");
        Assert.True(match.Success, copy.MailFrom);
        var queueId = match.Groups["id"].Value;

        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Smtp))
        {
            var reply = await smtp.SendMessageAsync("", [copy.MailFrom], Dsn(copy.MailFrom, "gone@" + Remote, token));
            Assert.True(reply.Code == 250, reply + "\n" + bed.ServerTail());
            await smtp.QuitAsync();
        }

        var events = ReadEvents(bed);
        var bounce = Assert.Single(events, e => Str(e, "type") == "Bounce" && Str(e, "bounce_source") == "async");
        Assert.Equal(queueId, Str(bounce, "queue_id"));
        Assert.Equal("acme", Str(bounce, "tenant"));
        // The same tenant as the message's own Reception.
        Assert.Contains(events, e => Str(e, "type") == "Reception" && Str(e, "queue_id") == queueId && Str(e, "tenant") == "acme");

        var entry = await WaitForSuppressionAsync(bed, "gone@" + Remote);
        Assert.Equal("acme", Str(entry, "tenant"));
        Assert.Equal("bounce", Str(entry, "source").ToLowerInvariant());
        // acme's mail to the address is refused; another tenant's, and SMTP mail (no tenant: the global list), is not.
        var again = await InjectApi.InjectAsync(httpPort, HttpToken, Inject("acme"));
        Assert.Equal(["gone@" + Remote], again.FailedRecipients);
        Assert.StartsWith("550 5.7.1", again.Errors["gone@" + Remote]);
        Assert.Equal(1, (await InjectApi.InjectAsync(httpPort, HttpToken, Inject("other"))).SuccessCount);
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Submission, startTls: true, auth: Sender))
        {
            SmtpConversation.Expect(await smtp.CommandAsync($"MAIL FROM:<{Sender.Address}>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<gone@{Remote}>"), 250);
            await smtp.QuitAsync();
        }
    }

    [Fact]
    public async Task An_arf_complaint_at_the_feedback_address_becomes_a_feedback_event_and_a_complaint_entry_and_an_unreadable_report_goes_to_the_postmaster()
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(Remote, Mx)], [Sender, Postmaster], overrides: Overrides);
        var arf = Encoding.UTF8.GetBytes($"""
            From: feedbackloop@{Remote}
            To: {Fbl}
            Subject: FW: weekly news
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="arf-boundary"

            --arf-boundary
            Content-Type: text/plain

            This is an email abuse report for an email message received from IP 127.0.0.1.
            --arf-boundary
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: VerpRemote-FBL/1.0
            Version: 1
            Original-Mail-From: <{Sender.Address}>
            Original-Rcpt-To: <complainer@{Remote}>
            Arrival-Date: Sun, 6 Dec 2026 09:00:00 +0000

            --arf-boundary
            Content-Type: message/rfc822

            From: <{Sender.Address}>
            To: <complainer@{Remote}>
            Subject: weekly news
            Message-ID: <weekly-1@it.test>

            Hello.
            --arf-boundary--

            """.ReplaceLineEndings("\r\n"));
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Smtp))
        {
            var reply = await smtp.SendMessageAsync("", [Fbl], arf);
            Assert.True(reply.Code == 250, reply + "\n" + bed.ServerTail());
            // A person's answer at the same address: nothing to read by machine, so the postmaster gets it.
            var person = Encoding.UTF8.GetBytes($"From: someone@{Remote}\r\nTo: {Fbl}\r\nSubject: stop it\r\nMessage-ID: <person-1@it.test>\r\n\r\nPlease stop.\r\n");
            reply = await smtp.SendMessageAsync($"someone@{Remote}", [Fbl], person);
            Assert.True(reply.Code == 250, reply + "\n" + bed.ServerTail());
            await smtp.QuitAsync();
        }

        var feedback = Assert.Single(ReadEvents(bed), e => Str(e, "type") == "Feedback");
        Assert.Equal("complainer@" + Remote, Str(feedback, "recipient"));
        Assert.Equal("abuse", Str(feedback, "feedback_type"));
        Assert.Equal("VerpRemote-FBL/1.0", Str(feedback, "feedback_agent"));
        Assert.Equal("weekly-1@it.test", Str(feedback, "message_id"));

        var entry = await WaitForSuppressionAsync(bed, "complainer@" + Remote);
        Assert.Equal("complaint", Str(entry, "source").ToLowerInvariant());

        var postmaster = Assert.Single(await bed.WaitForMailboxAsync(Postmaster, 1, TimeSpan.FromSeconds(10)));
        Assert.Contains("Please stop.", Encoding.UTF8.GetString(postmaster));
    }

    /// <summary>What the remote side sends the return path when it accepted the copy and bounces it later: an RFC 3464
    /// DSN from the null sender, with the headers of the message it is about.</summary>
    private static byte[] Dsn(string returnPath, string recipient, string token) => Encoding.UTF8.GetBytes($"""
        From: MAILER-DAEMON@{Remote}
        To: {returnPath}
        Subject: Undelivered Mail Returned to Sender
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"

        --dsn-boundary
        Content-Type: text/plain

        Your message could not be delivered to one or more recipients.
        --dsn-boundary
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.{Remote}

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table
        --dsn-boundary
        Content-Type: text/rfc822-headers

        From: <{Sender.Address}>
        To: <{recipient}>
        Subject: {token}
        Message-ID: <{token}@it.test>
        --dsn-boundary--

        """.ReplaceLineEndings("\r\n"));

    private static List<JsonObject> ReadEvents(DeliveryTestBed bed)
    {
        var result = bed.Server.RunCli("events", "query", "--since", "1h", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
    }

    private static async Task<JsonObject> WaitForSuppressionAsync(DeliveryTestBed bed, string address)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var list = bed.Server.RunCli("suppression", "list", "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            if (JsonNode.Parse(list.Stdout)!.AsArray().OfType<JsonObject>().FirstOrDefault(e => Str(e, "address") == address) is { } entry) return entry;
            Assert.True(DateTime.UtcNow < deadline, $"{address} was not suppressed in time\n{bed.ServerTail()}");
            await Task.Delay(300);
        }
    }

    private static string Str(JsonObject e, string field) => e[field]?.GetValue<string>() ?? "";
}
