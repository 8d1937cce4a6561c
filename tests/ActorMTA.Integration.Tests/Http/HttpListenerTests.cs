using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>The HTTP listener's start-up rules: a port in use stops `run`; no tokens configured means 403 for everyone.</summary>
[Trait("Category", "Integration")]
public sealed class HttpListenerTests
{
    private static string HttpOverrides(int port, string tokens) => $$"""
        actormta.http {
          enabled = on
          port = {{port}}
          tokens = {{tokens}}
        }
        """;

    [Fact]
    public async Task An_http_port_held_by_another_program_makes_run_exit_1()
    {
        var port = ServerPorts.PickOne();
        await using var server = await ServerProcess.StartAsync(HttpOverrides(port, "[\"t\"]"));
        await server.StopAsync();
        using var holder = new TcpListener(IPAddress.Loopback, port);
        holder.Start();

        var run = server.RunCli(TimeSpan.FromSeconds(60), "run");

        Assert.True(run.ExitCode == 1, $"expected exit 1: {run}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr: {run}");
        Assert.Contains("cannot listen on", lines[0]);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[0]);
    }

    [Fact]
    public async Task Without_tokens_every_request_is_403_and_logged()
    {
        var port = ServerPorts.PickOne();
        await using var server = await ServerProcess.StartAsync(HttpOverrides(port, "[]"));
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/api/inject/v1")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything");
        var reply = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, reply.StatusCode);
        using var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        Assert.Equal("api_disabled", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!server.Output.Contains("no API tokens configured", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains("no API tokens configured", server.Output);
    }

    private static HttpRequestMessage Inject(string url, string token, string to, int recipients = 1)
    {
        var list = string.Join(",", Enumerable.Repeat($"{{\"email\":\"{to}\",\"substitutions\":{{\"n\":1}}}}", recipients));
        var json = $"{{\"envelope_sender\":\"a@example.org\",\"content\":{{\"from\":{{\"email\":\"a@example.org\"}},\"subject\":\"{{{{ n }}}}\",\"text_body\":\"x\"}},\"recipients\":[{list}]}}";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Over_https_a_spool_below_its_minimum_free_space_is_507()
    {
        var port = ServerPorts.PickOne();
        var user = TestUser.Local("http-full");
        // No filesystem has this much free: the spool counts as full from the first sample on.
        await using var server = await ServerProcess.StartAsync(HttpOverrides(port, "[\"t\"]") + """

            actormta.http.tls = on
            actormta.storage.min-free-space = 1000000GiB
            """, [user]);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler);
        using var request = Inject($"https://127.0.0.1:{port}/api/inject/v1", "t", user.Address);
        var reply = await client.SendAsync(request);
        Assert.Equal((HttpStatusCode)507, reply.StatusCode);
        Assert.NotNull(reply.Headers.RetryAfter);
        using var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        Assert.Equal("insufficient_storage", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(await MailKitClients.FetchAllAsync(server.Ports.Pop3, user));
    }

    [Fact]
    public async Task Past_max_concurrent_requests_a_request_is_429()
    {
        var port = ServerPorts.PickOne();
        var user = TestUser.Local("http-busy");
        await using var server = await ServerProcess.StartAsync(HttpOverrides(port, "[\"t\"]") + "\nactormta.http.max-concurrent-requests = 1\n", [user]);
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var url = $"http://127.0.0.1:{port}/api/inject/v1";
        using var big = Inject(url, "t", user.Address, recipients: 5000);
        var first = client.SendAsync(big);
        // Wait until the first request is injecting (its messages are being accepted), then send a second.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!server.Output.Contains(" accepted from=", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(10);
        using var second = Inject(url, "t", user.Address);
        var busy = await client.SendAsync(second);
        Assert.False(first.IsCompleted, "the first request finished before the second was sent: the test proves nothing");
        Assert.Equal(HttpStatusCode.TooManyRequests, busy.StatusCode);
        Assert.NotNull(busy.Headers.RetryAfter);
        var done = await first;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        using var json = JsonDocument.Parse(await done.Content.ReadAsStringAsync());
        Assert.Equal(5000, json.RootElement.GetProperty("success_count").GetInt32());
    }
}
