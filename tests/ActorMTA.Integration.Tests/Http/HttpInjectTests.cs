using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Harness;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>POST /api/inject/v1 against a real server process with a real HttpClient; mail read back over POP3 with MailKit.</summary>
[Trait("Category", "Integration")]
public sealed class HttpInjectTests(HttpInjectFixture fixture) : IClassFixture<HttpInjectFixture>
{
    private ServerProcess Server => fixture.Server;

    private static async Task<InjectResponse> SuccessAsync(HttpResponseMessage reply)
    {
        var text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.OK, $"{(int)reply.StatusCode}: {text}");
        Assert.Equal("application/json", reply.Content.Headers.ContentType?.MediaType);
        return InjectResponse.Parse(text);
    }

    [Fact]
    public async Task A_raw_message_is_delivered_byte_for_byte()
    {
        var user = HttpInjectFixture.Raw;
        var raw = $"From: Sender <sender@example.org>\r\nTo: {user.Address}\r\nSubject: raw over http\r\n" +
                  "Date: Mon, 2 Jan 2006 15:04:05 -0700\r\nMessage-ID: <raw-1@example.org>\r\n\r\nLine one\r\n.leading dot\r\n\r\nLast line\r\n";
        var body = new JsonObject
        {
            ["envelope_sender"] = "bounces@example.org",
            ["content"] = raw,
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = user.Address }),
        };
        var response = await SuccessAsync(await fixture.PostAsync(body));
        Assert.Equal(1, response.SuccessCount);
        Assert.Equal(0, response.FailCount);

        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        var (returnPath, received, message) = StoredMessage.SplitTrace(stored);
        Assert.Equal("Return-Path: <bounces@example.org>\r\n", returnPath);
        Assert.Contains("with HTTP id ", received);
        Assert.Contains($"for <{user.Address}>", received);
        var expected = Encoding.UTF8.GetBytes(raw);
        Assert.True(expected.AsSpan().SequenceEqual(message), StoredMessage.Difference(expected, message));
    }

    [Fact]
    public async Task A_mailbox_over_its_quota_refuses_the_recipient_with_452_and_stores_nothing_more()
    {
        var user = HttpInjectFixture.SmallQuota;
        JsonObject Message(int kib) => new()
        {
            ["envelope_sender"] = "bounces@example.org",
            ["content"] = new JsonObject { ["from"] = "news@example.org", ["subject"] = "quota", ["text_body"] = new string('q', kib * 1024) },
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = user.Address }),
        };

        var first = await SuccessAsync(await fixture.PostAsync(Message(4)));
        var second = await SuccessAsync(await fixture.PostAsync(Message(4)));
        var never = await SuccessAsync(await fixture.PostAsync(Message(7)));

        Assert.Equal((1, 0), (first.SuccessCount, first.FailCount));
        Assert.Equal((0, 1), (second.SuccessCount, second.FailCount));
        Assert.StartsWith("452 4.2.2", second.Errors[user.Address]);
        Assert.StartsWith("552 5.2.2", never.Errors[user.Address]);
        Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
    }

    [Fact]
    public async Task An_assembled_message_with_an_attachment_is_delivered_and_parses_back()
    {
        var user = HttpInjectFixture.Assembled;
        var attachment = new byte[50_000];
        new Random(7).NextBytes(attachment);
        var body = new JsonObject
        {
            ["envelope_sender"] = "bounces@example.org",
            ["content"] = new JsonObject
            {
                ["from"] = new JsonObject { ["email"] = "news@example.org", ["name"] = "News" },
                ["subject"] = "Invoice for {{ name }}",
                ["text_body"] = "Dear {{ name }}, your invoice {{ invoice }} is attached.",
                ["html_body"] = "<p>Dear {{ name }}, invoice <b>{{ invoice }}</b></p>",
                ["headers"] = new JsonObject { ["X-Campaign"] = "c-{{ invoice }}" },
                ["attachments"] = new JsonArray(new JsonObject
                {
                    ["content_type"] = "application/octet-stream",
                    ["file_name"] = "invoice.bin",
                    ["data"] = Convert.ToBase64String(attachment),
                }),
            },
            ["recipients"] = new JsonArray(new JsonObject
            {
                ["email"] = user.Address,
                ["name"] = "Ann Example",
                ["substitutions"] = new JsonObject { ["invoice"] = "INV-42" },
            }),
        };
        var response = await SuccessAsync(await fixture.PostAsync(body));
        Assert.Equal(1, response.SuccessCount);

        var stored = Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
        var message = MimeMessage.Load(new MemoryStream(StoredMessage.WithoutTrace(stored)));
        Assert.Equal("Invoice for Ann Example", message.Subject);
        Assert.Equal("c-INV-42", message.Headers["X-Campaign"]);
        Assert.Equal("Dear Ann Example, your invoice INV-42 is attached.", message.TextBody.TrimEnd());
        Assert.Contains("<b>INV-42</b>", message.HtmlBody);
        var part = Assert.Single(message.Attachments.OfType<MimePart>());
        Assert.Equal("invoice.bin", part.FileName);
        using var decoded = new MemoryStream();
        await part.Content.DecodeToAsync(decoded);
        Assert.Equal(attachment, decoded.ToArray());
    }

    [Fact]
    public async Task A_thousand_recipients_each_get_their_own_rendering()
    {
        var users = HttpInjectFixture.Bulk;
        var recipients = new JsonArray();
        for (var n = 0; n < 1000; n++)
        {
            recipients.Add(new JsonObject
            {
                ["email"] = users[n % users.Length].Address,
                ["name"] = $"Person {n}",
                ["substitutions"] = new JsonObject { ["n"] = n, ["code"] = $"C{n * 7:D5}" },
            });
        }
        var body = new JsonObject
        {
            ["envelope_sender"] = "bulk@example.org",
            ["campaign"] = "thousand",
            ["substitutions"] = new JsonObject { ["shop"] = "Example Shop" },
            ["content"] = new JsonObject
            {
                ["from"] = new JsonObject { ["email"] = "shop@example.org" },
                ["subject"] = "#{{ n }} for {{ name }}",
                ["text_body"] = "Hello {{ name }} from {{ shop }}: your code is {{ code }}.",
            },
            ["recipients"] = recipients,
        };
        var response = await SuccessAsync(await fixture.PostAsync(body));
        Assert.Equal(1000, response.SuccessCount);
        Assert.Equal(0, response.FailCount);

        var seen = new HashSet<int>();
        for (var u = 0; u < users.Length; u++)
        {
            var stored = await MailKitClients.FetchAllAsync(Server.Ports.Pop3, users[u]);
            Assert.Equal(250, stored.Count);
            foreach (var bytes in stored)
            {
                var message = MimeMessage.Load(new MemoryStream(StoredMessage.WithoutTrace(bytes)));
                var n = int.Parse(message.Subject[1..message.Subject.IndexOf(' ')]);
                Assert.Equal(u, n % users.Length);
                Assert.True(seen.Add(n), $"#{n} delivered twice");
                Assert.Equal($"#{n} for Person {n}", message.Subject);
                Assert.Equal($"Hello Person {n} from Example Shop: your code is C{n * 7:D5}.", message.TextBody.TrimEnd());
                Assert.Equal(users[u].Address, ((MailboxAddress)message.To.Single()).Address);
            }
        }
        Assert.Equal(1000, seen.Count);
    }

    private static JsonObject ValidBody(string to) => new()
    {
        ["envelope_sender"] = "bounces@example.org",
        ["content"] = "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n",
        ["recipients"] = new JsonArray(new JsonObject { ["email"] = to }),
    };

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage reply, HttpStatusCode status)
    {
        var text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == status, $"expected {(int)status}, got {(int)reply.StatusCode}: {text}");
        Assert.Equal("application/json", reply.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("error").Clone();
    }

    [Fact]
    public async Task Malformed_json_is_400_and_injects_nothing()
    {
        var error = await ErrorAsync(await fixture.PostAsync("{\"envelope_sender\": \"a@example.org\", "), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_bad_address_is_400_and_nothing_of_the_request_is_injected()
    {
        var body = ValidBody(HttpInjectFixture.Refused.Address);
        ((JsonArray)body["recipients"]!).Add(new JsonObject { ["email"] = "not an address" });
        var error = await ErrorAsync(await fixture.PostAsync(body), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_address", error.GetProperty("code").GetString());
        Assert.Empty(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, HttpInjectFixture.Refused));
    }

    [Fact]
    public async Task No_token_is_401()
    {
        var reply = await fixture.PostAsync(ValidBody(HttpInjectFixture.Refused.Address), token: null);
        var error = await ErrorAsync(reply, HttpStatusCode.Unauthorized);
        Assert.Equal("unauthorized", error.GetProperty("code").GetString());
        Assert.Contains(reply.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData(HttpInjectFixture.Token + "x")]
    [InlineData("")]
    public async Task A_wrong_token_is_401(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.InjectUri)
        {
            Content = new StringContent(ValidBody(HttpInjectFixture.Refused.Address).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        await ErrorAsync(await fixture.Client.SendAsync(request), HttpStatusCode.Unauthorized);
        Assert.Empty(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, HttpInjectFixture.Refused));
    }

    [Fact]
    public async Task A_body_over_max_request_size_is_413()
    {
        var body = ValidBody(HttpInjectFixture.Refused.Address);
        body["content"] = "Subject: big\r\n\r\n" + new string('a', (int)HttpInjectFixture.MaxRequestSize);
        var error = await ErrorAsync(await fixture.PostAsync(Encoding.UTF8.GetBytes(body.ToJsonString()), expectContinue: true),
            HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_chunked_body_over_max_request_size_is_413()
    {
        var big = Encoding.UTF8.GetBytes(ValidBody(HttpInjectFixture.Refused.Address).ToJsonString() + new string(' ', (int)HttpInjectFixture.MaxRequestSize));
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.InjectUri) { Content = new StreamContent(new MemoryStream(big)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HttpInjectFixture.Token);
        HttpResponseMessage reply;
        try
        {
            reply = await fixture.Client.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // Kestrel may answer and close before the client finished sending: the connection reset is the refusal.
            return;
        }
        await ErrorAsync(reply, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Other_methods_are_405(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), fixture.InjectUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HttpInjectFixture.Token);
        var reply = await fixture.Client.SendAsync(request);
        await ErrorAsync(reply, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST", reply.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_non_json_content_type_is_415(string contentType)
    {
        var reply = await fixture.PostAsync(ValidBody(HttpInjectFixture.Refused.Address).ToJsonString(), contentType: contentType);
        await ErrorAsync(reply, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_json_content_type_with_a_charset_is_taken()
    {
        var user = HttpInjectFixture.Refused;
        var reply = await fixture.PostAsync(ValidBody(user.Address).ToJsonString(), contentType: "application/json; charset=utf-8");
        Assert.Equal(1, (await SuccessAsync(reply)).SuccessCount);
        Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
    }

    [Fact]
    public async Task An_unknown_local_user_fails_that_recipient_only()
    {
        var user = HttpInjectFixture.Refused;
        var body = ValidBody(user.Address);
        ((JsonArray)body["recipients"]!).Add(new JsonObject { ["email"] = "nobody-here@" + ServerProcess.Domain });
        // Tests of this class run one after another: the mailbox holds only this test's message afterwards.
        var response = await SuccessAsync(await fixture.PostAsync(body));
        Assert.Equal(1, response.SuccessCount);
        Assert.Equal(1, response.FailCount);
        Assert.Equal(["nobody-here@" + ServerProcess.Domain], response.FailedRecipients);
        Assert.StartsWith("550", response.Errors["nobody-here@" + ServerProcess.Domain]);
        Assert.Single(await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user));
    }

    [Fact]
    public async Task Other_paths_are_404()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.InjectUri, "/api/inject/v2"));
        await ErrorAsync(await fixture.Client.SendAsync(request), HttpStatusCode.NotFound);
    }
}

/// <summary>The reply JSON of an accepted request, read as a client would (the test project sees no server types).</summary>
public sealed record InjectResponse(int SuccessCount, int FailCount, IReadOnlyList<string> FailedRecipients, IReadOnlyDictionary<string, string> Errors)
{
    public static InjectResponse Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new InjectResponse(
            root.GetProperty("success_count").GetInt32(),
            root.GetProperty("fail_count").GetInt32(),
            root.GetProperty("failed_recipients").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            root.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }
}
