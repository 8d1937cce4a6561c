using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Harness;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>
/// SIGKILL in the middle of a 10,000-recipient injection: every message the server had durably accepted (its
/// per-message "accepted" log line, written only after the content commit and the entity's ack, the same
/// condition that counts a recipient in success_count) is in its mailbox after the restart, none twice.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class HttpInjectCrashTests
{
    private static readonly TestUser[] Users = Enumerable.Range(0, 4).Select(i => TestUser.Local($"http-kill{i}")).ToArray();

    [GeneratedRegex(@"http request=\S+ queue-id=(\w+) accepted ")]
    private static partial Regex AcceptedLine();

    [GeneratedRegex(@" id (\w+)")]
    private static partial Regex ReceivedId();

    [Fact]
    public async Task Every_message_accepted_before_a_sigkill_is_delivered_after_restart()
    {
        const int count = 10_000;
        var port = ServerPorts.PickOne();
        await using var server = await ServerProcess.StartAsync($$"""
            actormta.http { enabled = on, port = {{port}}, tokens = ["kill-token"] }
            """, Users);
        var recipients = new JsonArray();
        for (var n = 0; n < count; n++)
            recipients.Add(new JsonObject { ["email"] = Users[n % Users.Length].Address, ["substitutions"] = new JsonObject { ["n"] = n } });
        var body = new JsonObject
        {
            ["envelope_sender"] = "bulk@example.org",
            ["content"] = new JsonObject
            {
                ["from"] = new JsonObject { ["email"] = "shop@example.org" },
                ["subject"] = "#{{ n }}",
                ["text_body"] = "number {{ n }}",
            },
            ["recipients"] = recipients,
        };
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "kill-token");
        var post = client.PostAsync($"http://127.0.0.1:{port}/api/inject/v1",
            new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (AcceptedLine().Count(server.Output) < 1000 && !post.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(20);
        server.Kill();
        var accepted = AcceptedLine().Matches(server.Output).Select(m => m.Groups[1].Value).ToHashSet();
        HttpResponseMessage? reply = null;
        try { reply = await post; }
        catch (HttpRequestException) { }
        // Killed mid-request: no reply, so nothing was reported; a reply (the injection was faster than the kill) must be all-success.
        if (reply is not null)
        {
            var response = InjectResponse.Parse(await reply.Content.ReadAsStringAsync());
            Assert.Equal(count, response.SuccessCount);
        }
        Assert.True(accepted.Count >= 1000, $"only {accepted.Count} messages accepted before the kill");

        await server.RestartAsync();
        var delivered = new HashSet<string>();
        var numbers = new HashSet<int>();
        foreach (var user in Users)
        {
            foreach (var stored in await MailKitClients.FetchAllImapAsync(server.Ports.Imap, user))
            {
                var (_, received, message) = StoredMessage.SplitTrace(stored);
                Assert.True(delivered.Add(ReceivedId().Match(received).Groups[1].Value), "a message delivered twice");
                var parsed = MimeMessage.Load(new MemoryStream(message));
                var n = int.Parse(parsed.Subject[1..]);
                Assert.True(numbers.Add(n), $"#{n} delivered twice");
                Assert.Equal($"number {n}", parsed.TextBody.TrimEnd());
                Assert.Equal(user.Address, ((MailboxAddress)parsed.To.Single()).Address);
            }
        }
        var missing = accepted.Where(id => !delivered.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {accepted.Count} accepted messages missing after the restart, e.g. {string.Join(", ", missing.Take(5))}");
        if (reply is not null) Assert.Equal(count, delivered.Count);
    }

    [Fact]
    public async Task A_sigterm_during_an_injection_lets_it_finish_and_reply()
    {
        const int count = 3000;
        var user = TestUser.Local("http-term");
        var port = ServerPorts.PickOne();
        await using var server = await ServerProcess.StartAsync($$"""
            actormta.http { enabled = on, port = {{port}}, tokens = ["term-token"] }
            """, [user]);
        var recipients = new JsonArray();
        for (var n = 0; n < count; n++) recipients.Add(new JsonObject { ["email"] = user.Address, ["substitutions"] = new JsonObject { ["n"] = n } });
        var body = new JsonObject
        {
            ["envelope_sender"] = "bulk@example.org",
            ["content"] = new JsonObject { ["from"] = new JsonObject { ["email"] = "shop@example.org" }, ["subject"] = "#{{ n }}", ["text_body"] = "n {{ n }}" },
            ["recipients"] = recipients,
        };
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "term-token");
        var post = client.PostAsync($"http://127.0.0.1:{port}/api/inject/v1",
            new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (AcceptedLine().Count(server.Output) < 200 && !post.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(post.IsCompleted, "the injection finished before the SIGTERM: the test proves nothing");
        var stop = server.StopAsync();

        var reply = await post;
        var response = InjectResponse.Parse(await reply.Content.ReadAsStringAsync());
        // Within the shutdown grace (30 s by default) the whole request finishes.
        Assert.Equal(count, response.SuccessCount);
        Assert.Equal(0, await stop);
        await server.RestartAsync();
        var stored = await MailKitClients.FetchAllImapAsync(server.Ports.Imap, user);
        // Whatever the reply counted is delivered; nothing it did not count is.
        Assert.Equal(response.SuccessCount, stored.Count);
    }
}
