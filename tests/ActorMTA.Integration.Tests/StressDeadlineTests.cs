using System.Diagnostics;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>Deadlines that need a server of their own: the minimum data rate, and the shorter deadlines under stress.</summary>
[Trait("Category", "Integration")]
public sealed class StressDeadlineTests
{
    [Fact]
    public async Task Data_slower_than_the_minimum_rate_is_cut_off_after_the_grace_period()
    {
        var user = TestUser.Local("rate");
        await using var server = await ServerProcess.StartAsync("""
            actormta.smtp {
              data-timeout = 60s
              min-data-rate = 1000
              min-data-rate-grace = 1s
            }
            """, [user]);
        await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<slow@example.org>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("DATA"), 354);
        var clock = Stopwatch.StartNew();
        // 10 bytes every 200 ms: 50 bytes/s, far below 1000.
        var writer = Task.Run(async () =>
        {
            try
            {
                while (clock.Elapsed < TimeSpan.FromSeconds(15))
                {
                    await smtp.Connection.WriteAsync(Encoding.ASCII.GetBytes("0123456789"));
                    await Task.Delay(200);
                }
            }
            catch (IOException) { }
        });
        smtp.Connection.ReadTimeout = TimeSpan.FromSeconds(15);
        var reply = await smtp.ReadReplyAsync();
        Assert.Equal(421, reply.Code);
        Assert.Equal("4.4.2", reply.EnhancedCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.True(await smtp.Connection.IsClosedByPeerAsync());
        await writer;
    }

    [Fact]
    public async Task Under_stress_a_new_session_gets_the_shorter_command_deadline()
    {
        await using var server = await ServerProcess.StartAsync("""
            actormta.smtp {
              max-connections = 10
              command-timeout = 60s
              stress-threshold = 0.5
              stress-command-timeout = 1s
            }
            """);
        var idle = new List<TextConnection>();
        try
        {
            // Four connections: below the threshold of five.
            for (var i = 0; i < 4; i++)
            {
                var c = await TextConnection.ConnectAsync(server.Ports.Smtp);
                Assert.StartsWith("220 ", await c.ReadLineAsync());
                idle.Add(c);
            }
            await using var stressed = await TextConnection.ConnectAsync(server.Ports.Smtp);
            Assert.StartsWith("220 ", await stressed.ReadLineAsync());
            var clock = Stopwatch.StartNew();
            stressed.ReadTimeout = TimeSpan.FromSeconds(20);
            Assert.StartsWith("421 4.4.2 ", await stressed.ReadLineAsync());
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4));
            Assert.True(await stressed.IsClosedByPeerAsync());
        }
        finally
        {
            foreach (var c in idle) await c.DisposeAsync();
        }
    }
}
