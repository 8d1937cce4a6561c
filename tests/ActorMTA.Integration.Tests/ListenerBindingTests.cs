using System.Net;
using System.Net.Sockets;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// A port that is already in use must stop `actormta run` with one line and exit 1. With SO_REUSEPORT (which
/// .NET sets on Linux for ReuseAddress) a second server would bind the same ports and the kernel would split
/// the connections between two servers with different data.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ListenerBindingTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_second_server_on_the_same_ports_exits_1_and_the_first_keeps_serving()
    {
        await using var server = await ServerProcess.StartAsync();
        var otherData = Path.Combine(Path.GetDirectoryName(server.DataDirectory)!, "second-data");

        var second = server.RunCli(RunTimeout, "run", "--data-dir", otherData);

        AssertPortInUse(second);
        Assert.False(server.HasExited, "the first server must not be disturbed");
        for (var i = 0; i < 5; i++)
        {
            await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
            Assert.Equal(250, (await smtp.CommandAsync("NOOP")).Code);
        }
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_dir_is_refused_and_the_first_keeps_serving()
    {
        // The host turns .NET's FileShare emulation off; the data dir's lock is an flock of its own.
        await using var server = await ServerProcess.StartAsync();

        var second = server.RunCli(RunTimeout, "run");

        Assert.True(second.ExitCode != 0, $"expected a refusal: {second}");
        Assert.Contains("is locked by another running server", second.Stderr);
        Assert.DoesNotContain("cannot listen on", second.Stderr);
        Assert.False(server.HasExited, "the first server must not be disturbed");
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        Assert.Equal(250, (await smtp.CommandAsync("NOOP")).Code);
    }

    [Fact]
    public async Task A_port_held_by_another_program_makes_run_exit_1()
    {
        await using var server = await ServerProcess.StartAsync();
        await server.StopAsync();
        using var holder = new TcpListener(IPAddress.Loopback, server.Ports.Smtp);
        holder.Start();

        var run = server.RunCli(RunTimeout, "run");

        AssertPortInUse(run);
        Assert.Contains(server.Ports.Smtp.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Stderr);
    }

    [Fact]
    public async Task A_stopped_server_restarts_at_once_on_its_ports()
    {
        await using var server = await ServerProcess.StartAsync();
        // A closed connection leaves the server's side in TIME_WAIT: SO_REUSEADDR must still let it bind again.
        await using (var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp))
            Assert.Equal(221, (await smtp.CommandAsync("QUIT")).Code);
        await server.StopAsync();
        await server.RestartAsync();
        await using var again = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        Assert.Equal(250, (await again.CommandAsync("NOOP")).Code);
    }

    private static void AssertPortInUse(CliResult result)
    {
        Assert.True(result.ExitCode == 1, $"expected exit 1: {result}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr: {result}");
        Assert.Contains("cannot listen on", lines[0]);
    }
}
