using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Observability;

/// <summary>
/// Delivery events of a running server, read back with `actormta events`: one mail per outcome over real loopback
/// receivers, each event's fields checked; and a SIGKILL in the middle of delivery that loses no event of an
/// acknowledged message (events are derived from the journal, again after the restart).
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DeliveryEventTests(ITestOutputHelper output)
{
    private const string DeliverMx = "127.0.0.130";
    private const string DeferMx = "127.0.0.131";
    private const string RcptRejectMx = "127.0.0.132";
    private const string DataRejectMx = "127.0.0.133";
    private const string ExpireMx = "127.0.0.134";
    private const string AdminMx = "127.0.0.135";
    private const string CrashMx = "127.0.0.136";

    private static readonly TestUser Sender = TestUser.Local("events-sender");

    [Fact]
    public async Task Every_outcome_becomes_an_event_with_its_fields()
    {
        await using var bed = await DeliveryTestBed.StartAsync(
        [
            new RemoteDomain("deliver.test", DeliverMx),
            new RemoteDomain("defer.test", DeferMx),
            new RemoteDomain("rcptreject.test", RcptRejectMx),
            new RemoteDomain("datareject.test", DataRejectMx),
            new RemoteDomain("expire.test", ExpireMx),
            new RemoteDomain("admin.test", AdminMx),
        ], [Sender], overrides: $"actormta.delivery.max-age = 4s\nactormta.bounces.feedback-addresses = [\"fbl@{ServerProcess.Domain}\"]");
        bed.Receiver(DeferMx).ScriptReplies(451);
        bed.Receiver(RcptRejectMx).RejectRecipient("nobody@rcptreject.test", 550, "5.1.1 The email account that you tried to reach does not exist");
        bed.Receiver(DataRejectMx).ScriptReplies(554);
        bed.Receiver(ExpireMx).Down();
        bed.Receiver(AdminMx).Down();

        var tokens = new Dictionary<string, string>();
        async Task SubmitAsync(string to)
        {
            var token = "ev-" + Guid.NewGuid().ToString("N");
            tokens[to] = token;
            await bed.SubmitAsync(Sender, [to], DeliveryTestBed.Message(Sender.Address, to, token));
        }
        // First, and bounced at once: mail expires after 4 s here.
        await SubmitAsync("e@admin.test");
        await bed.WaitForQueueAsync("admin.test", m => m.Count == 1, TimeSpan.FromSeconds(3), "the admin message queued");
        bed.Ctl("queue", "bounce", "admin.test");
        foreach (var to in new[] { "a@deliver.test", "b@defer.test", "nobody@rcptreject.test", "c@datareject.test", "d@expire.test" }) await SubmitAsync(to);
        // Refused at RCPT: an unknown local user over port 25.
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Smtp))
        {
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<outsider@elsewhere.test>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<no-such-user@{ServerProcess.Domain}>"), 550);
            await smtp.QuitAsync();
        }
        // A complaint about the delivered message from the receiving provider's feedback loop, enclosing the header it got.
        var copy = Assert.Single(await bed.Receiver(DeliverMx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        await using (var smtp = await SmtpConversation.OpenReadyAsync(bed.Server.Ports.Smtp))
        {
            SmtpConversation.Expect(await smtp.SendMessageAsync("", [$"fbl@{ServerProcess.Domain}"], Complaint("a@deliver.test", copy.Text[..copy.Text.IndexOf("\r\n\r\n")])), 250);
            await smtp.QuitAsync();
        }

        var events = await WaitForEventsAsync(bed, all =>
            Has(all, "Delivery", "a@deliver.test") && Has(all, "Delivery", "b@defer.test") && Has(all, "Bounce", "nobody@rcptreject.test")
            && Has(all, "Bounce", "c@datareject.test") && Has(all, "Expiration", "d@expire.test") && Has(all, "AdminBounce", "e@admin.test")
            && Has(all, "Rejection", $"no-such-user@{ServerProcess.Domain}") && Has(all, "Feedback", "a@deliver.test"), TimeSpan.FromSeconds(40));

        // Every queued message was received first, with its Message-ID, sender and size.
        foreach (var (to, token) in tokens)
        {
            var reception = One(events, "Reception", to);
            Assert.Equal($"<{token}@it.test>", Str(reception, "message_id"));
            Assert.Equal(Sender.Address, Str(reception, "sender"));
            Assert.True(reception["size"]!.GetValue<long>() > 100);
            Assert.False(string.IsNullOrEmpty(Str(reception, "queue_id")));
            Assert.False(string.IsNullOrEmpty(Str(reception, "node")));
        }

        var delivered = One(events, "Delivery", "a@deliver.test");
        Assert.Equal("mx.deliver.test", Str(delivered, "mx_host"));
        Assert.Equal(DeliverMx, Str(delivered, "mx_ip"));
        Assert.Equal(250, delivered["reply_code"]!.GetValue<int>());
        Assert.Equal(1, delivered["attempt"]!.GetValue<int>());
        Assert.Equal($"<{tokens["a@deliver.test"]}@it.test>", Str(delivered, "message_id"));
        Assert.True(delivered["attempt_ms"]!.GetValue<long>() >= 0);
        Assert.Equal(Str(One(events, "Reception", "a@deliver.test"), "queue_id"), Str(delivered, "queue_id"));

        var deferred = One(events, "TransientFailure", "b@defer.test");
        Assert.Equal(451, deferred["reply_code"]!.GetValue<int>());
        Assert.Equal(1, deferred["attempt"]!.GetValue<int>());
        Assert.Equal(2, One(events, "Delivery", "b@defer.test")["attempt"]!.GetValue<int>());

        var atRcpt = One(events, "Bounce", "nobody@rcptreject.test");
        Assert.Equal(550, atRcpt["reply_code"]!.GetValue<int>());
        Assert.Equal("5.1.1", Str(atRcpt, "enhanced_code"));
        Assert.Contains("does not exist", Str(atRcpt, "reply_text"));
        Assert.Equal(RcptRejectMx, Str(atRcpt, "mx_ip"));
        Assert.Equal("InvalidRecipient", Str(atRcpt, "bounce_category"));

        Assert.Equal(554, One(events, "Bounce", "c@datareject.test")["reply_code"]!.GetValue<int>());

        var expired = One(events, "Expiration", "d@expire.test");
        Assert.True(expired["queue_time_ms"]!.GetValue<long>() >= 4000, expired.ToJsonString());
        Assert.Contains(events, e => Str(e, "type") == "TransientFailure" && Str(e, "recipient") == "d@expire.test");

        var admin = One(events, "AdminBounce", "e@admin.test");
        Assert.Equal(550, admin["reply_code"]!.GetValue<int>());

        var complaint = One(events, "Feedback", "a@deliver.test");
        Assert.Equal("abuse", Str(complaint, "feedback_type"));
        Assert.Equal($"{tokens["a@deliver.test"]}@it.test", Str(complaint, "message_id"));
        // Recovered from our Received line in the enclosed copy.
        Assert.Equal(Str(delivered, "queue_id"), Str(complaint, "queue_id"));

        var rejection = One(events, "Rejection", $"no-such-user@{ServerProcess.Domain}");
        Assert.Equal("smtp", Str(rejection, "protocol"));
        Assert.Equal(550, rejection["reply_code"]!.GetValue<int>());
        Assert.Equal("outsider@elsewhere.test", Str(rejection, "sender"));

        // Every event has an id, and no id is used twice.
        var ids = events.Select(e => Str(e, "id")).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());

        // The people's view and the filters of `events tail`.
        var tail = bed.Server.RunCli("events", "tail", "--type", "bounce", "--lines", "5");
        Assert.Equal(0, tail.ExitCode);
        Assert.Contains("nobody@rcptreject.test", tail.Stdout);
        Assert.DoesNotContain("a@deliver.test", tail.Stdout);
        var byRecipient = bed.Server.RunCli("events", "tail", "--recipient", "a@deliver.test", "--json");
        // Reception, Delivery and the complaint.
        Assert.Equal(3, byRecipient.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var badType = bed.Server.RunCli("events", "tail", "--type", "Nonsense");
        Assert.NotEqual(0, badType.ExitCode);
        Assert.Contains("unknown event type", badType.Stderr);
    }

    [Fact]
    public async Task A_sigkill_during_delivery_loses_no_event_of_an_acknowledged_message()
    {
        const int messages = 300;
        const string domain = "crash-events.test";
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain(domain, CrashMx)], [Sender], retrySchedule: "[1s]", domainBackoff: "1s",
            overrides: $$"""actormta.delivery.throttles { "{{domain}}" { max-connections = 4, max-messages-per-connection = 20 } }""");
        var receiver = bed.Receiver(CrashMx);
        receiver.ResponseDelay = TimeSpan.FromMilliseconds(5);
        var tokens = Enumerable.Range(0, messages).Select(i => $"crash-ev-{i:D4}-{Guid.NewGuid():N}").ToArray();
        await bed.SubmitManyAsync(Sender, tokens.Select((t, i) => ($"user{i % 20}@{domain}", DeliveryTestBed.Message(Sender.Address, $"user{i % 20}@{domain}", t))).ToList(), sessions: 8);
        var beforeKill = receiver.Messages.Count;
        bed.Server.Kill();
        output.WriteLine($"killed with {beforeKill} of {messages} delivered");
        Assert.True(beforeKill < messages, "everything was delivered before the kill: make the receiver slower");

        await bed.Server.RestartAsync();
        var wanted = tokens.Select(t => $"<{t}@it.test>").ToHashSet();
        var events = await WaitForEventsAsync(bed, all =>
        {
            var delivered = all.Where(e => Str(e, "type") == "Delivery").Select(e => Str(e, "message_id")).ToHashSet();
            return wanted.All(delivered.Contains);
        }, TimeSpan.FromSeconds(90));

        var unique = events.GroupBy(e => Str(e, "id")).Select(g => g.First()).ToList();
        output.WriteLine($"{events.Count} event lines, {unique.Count} unique ids ({events.Count - unique.Count} written twice)");
        foreach (var type in new[] { "Reception", "Delivery" })
        {
            var seen = unique.Where(e => Str(e, "type") == type).Select(e => Str(e, "message_id")).ToHashSet();
            var missing = wanted.Where(m => !seen.Contains(m)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} messages have no {type} event, e.g. {string.Join(", ", missing.Take(3))}");
        }
        // The same event written twice (re-derived after the kill) is the same event: same type, recipient and message.
        foreach (var group in events.GroupBy(e => Str(e, "id")).Where(g => g.Count() > 1))
            Assert.Single(group.Select(e => (Str(e, "type"), Str(e, "recipient"), Str(e, "message_id"))).Distinct());
    }

    private static async Task<List<JsonObject>> WaitForEventsAsync(DeliveryTestBed bed, Func<List<JsonObject>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = bed.Server.RunCli("events", "query", "--since", "1h", "--json");
            Assert.True(result.ExitCode == 0, result.ToString());
            var events = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            if (done(events)) return events;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"events not complete within {timeout}; {events.Count} so far:\n{string.Join('\n', events.Take(60).Select(e => e.ToJsonString()))}\n{bed.ServerTail()}");
            await Task.Delay(500);
        }
    }

    /// <summary>An RFC 5965 report by <paramref name="recipient"/>, enclosing the header of the copy that was received.</summary>
    private static byte[] Complaint(string recipient, string header) => System.Text.Encoding.UTF8.GetBytes($"""
        From: fbl@deliver.test
        To: fbl@{ServerProcess.Domain}
        Subject: complaint
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

        --arf
        Content-Type: text/plain

        An abuse report.
        --arf
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: deliver-test-fbl/1
        Version: 1
        Original-Rcpt-To: <{recipient}>

        --arf
        Content-Type: text/rfc822-headers

        HEADER

        --arf--

        """.ReplaceLineEndings("\r\n").Replace("HEADER", header));

    private static bool Has(List<JsonObject> events, string type, string recipient) =>
        events.Any(e => Str(e, "type") == type && Str(e, "recipient") == recipient);

    private static JsonObject One(List<JsonObject> events, string type, string recipient)
    {
        var matching = events.Where(e => Str(e, "type") == type && Str(e, "recipient") == recipient).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} {type} events for {recipient}:\n{string.Join('\n', events.Select(e => e.ToJsonString()))}");
        return matching[0];
    }

    private static string Str(JsonObject e, string field) => e[field]?.GetValue<string>() ?? "";
}
