using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>One server with the injection API on (a picked free port, a known token, a 4 MiB request limit).</summary>
public sealed class HttpInjectFixture : IAsyncLifetime
{
    public const string Token = "test-token-0123456789abcdef0123456789";
    public const long MaxRequestSize = 4 * 1024 * 1024;

    public static readonly TestUser Raw = TestUser.Local("http-raw");
    public static readonly TestUser Assembled = TestUser.Local("http-assembled");
    public static readonly TestUser[] Bulk = Enumerable.Range(0, 4).Select(i => TestUser.Local($"http-bulk{i}")).ToArray();
    public static readonly TestUser Refused = TestUser.Local("http-refused");
    /// <summary>A mailbox with room for one of the quota test's messages and not two.</summary>
    public static readonly TestUser SmallQuota = TestUser.Local("http-small-quota");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");
    public int HttpPort { get; private set; }
    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromMinutes(5) };

    public Uri InjectUri => new($"http://127.0.0.1:{HttpPort}/api/inject/v1");

    public async Task InitializeAsync()
    {
        HttpPort = ServerPorts.PickOne();
        _server = await ServerProcess.StartAsync($$"""
            actormta.http {
              enabled = on
              port = {{HttpPort}}
              tokens = ["{{Token}}"]
              max-request-size = {{MaxRequestSize}}
            }
            actormta.mailbox.quota.users { "{{SmallQuota.Address}}" = 6KiB }
            """, [Raw, Assembled, Refused, SmallQuota, .. Bulk]);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }

    public Task<HttpResponseMessage> PostAsync(string json, string? token = Token, string contentType = "application/json") =>
        PostAsync(Encoding.UTF8.GetBytes(json), token, contentType);

    public Task<HttpResponseMessage> PostAsync(JsonNode json, string? token = Token) => PostAsync(json.ToJsonString(), token);

    public async Task<HttpResponseMessage> PostAsync(byte[] body, string? token = Token, string contentType = "application/json", bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, InjectUri) { Content = new ByteArrayContent(body) };
        // With Expect: 100-continue the client sends the body only once the server asks for it, so a refusal
        // that the headers decide (413 from Content-Length) reaches it without a broken pipe.
        if (expectContinue) request.Headers.ExpectContinue = true;
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Client.SendAsync(request);
    }
}
