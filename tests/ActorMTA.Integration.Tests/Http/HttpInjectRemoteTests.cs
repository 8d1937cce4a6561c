using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>
/// Injection to remote recipients: HTTP callers hold a token, so they may relay; each recipient's message goes
/// through its domain queue (acknowledged before success_count counts it) and is delivered over real DNS
/// (dnsmasq) to a real SMTP receiver, byte for byte.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HttpInjectRemoteTests
{
    private const string Mx = "127.0.0.40";

    [Fact]
    public async Task Remote_recipients_are_queued_and_delivered_byte_exact()
    {
        var port = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("http-remote.test", Mx)], [],
            overrides: $$"""actormta.http { enabled = on, port = {{port}}, tokens = ["remote-token"] }""");
        var raw = "From: news@example.org\r\nSubject: remote\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\n" +
                  "Message-ID: <remote-1@example.org>\r\n\r\n.dot line\r\nbody\r\n";
        var body = new JsonObject
        {
            ["envelope_sender"] = "bounces@example.org",
            ["content"] = raw,
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = "one@http-remote.test" }, new JsonObject { ["email"] = "two@http-remote.test" }),
        };
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/api/inject/v1")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "remote-token");
        var reply = await client.SendAsync(request);
        var text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(2, InjectResponse.Parse(text).SuccessCount);

        var received = await bed.Receiver(Mx).WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(["one@http-remote.test", "two@http-remote.test"], received.SelectMany(m => m.Recipients).Order());
        var expected = Encoding.UTF8.GetBytes(raw);
        foreach (var message in received)
        {
            Assert.Equal("bounces@example.org", message.MailFrom);
            var (trace, rest) = StoredMessage.SplitReceived(message.Data);
            Assert.Contains("with HTTP id ", trace);
            Assert.True(expected.AsSpan().SequenceEqual(rest), StoredMessage.Difference(expected, rest));
        }
    }
}
