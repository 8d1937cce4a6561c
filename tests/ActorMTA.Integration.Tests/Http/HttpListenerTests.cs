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
}
