using System.Diagnostics;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests;

[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConnectionFloodTests(ITestOutputHelper output)
{
    private const int IdleSessions = 500;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private sealed record IdleOutcome(SmtpReply? Reply, TimeSpan IdleFor, bool Closed, string? Error);

    [Fact]
    public async Task Five_hundred_idle_sessions_neither_block_a_new_one_nor_outstay_the_timeout()
    {
        var user = TestUser.Local("flood");
        await using var server = await ServerProcess.StartAsync(
            $$"""
            actormta.smtp {
              max-connections-per-ip = {{IdleSessions * 4}}
              max-connections = {{IdleSessions * 4}}
              command-timeout = {{CommandTimeout.TotalSeconds}}s
            }
            """,
            [user]);

        var clock = Stopwatch.StartNew();
        var sessions = await Task.WhenAll(Enumerable.Range(0, IdleSessions).Select(async _ =>
        {
            // The server's idle timer starts after it accepted and greeted, so it cannot start before the
            // connect does: measuring from here makes "timed out early" mean early, even on a loaded machine.
            var connectingAt = clock.Elapsed;
            var smtp = await SmtpConversation.OpenAsync(server.Ports.Smtp);
            return (Smtp: smtp, GreetedAt: connectingAt);
        }));
        output.WriteLine($"{IdleSessions} sessions greeted after {clock.Elapsed.TotalMilliseconds:F0} ms");
        try
        {
            var idle = sessions.Select(s => WaitForTimeoutAsync(s.Smtp, s.GreetedAt, clock)).ToList();

            var message = Encoding.ASCII.GetBytes($"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: during the flood\r\n\r\nhello\r\n");
            await SmtpConversation.DeliverAsync(server.Ports.Smtp, "sender@example.org", user.Address, message);
            output.WriteLine($"message accepted after {clock.Elapsed.TotalMilliseconds:F0} ms");
            var early = idle.Count(t => t.IsCompleted);
            Assert.True(early == 0, $"{early} idle sessions were already answered or closed while the new message was sent: " +
                string.Join("; ", idle.Where(t => t.IsCompleted).Take(3).Select(t => t.Result)));

            var outcomes = await Task.WhenAll(idle);
            output.WriteLine($"all idle sessions finished after {clock.Elapsed.TotalMilliseconds:F0} ms");
            var wrong = outcomes.Where(o => o.Error is not null || o.Reply is not { Code: 421, EnhancedCode: "4.4.2" } || !o.Closed).ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} of {IdleSessions} idle sessions did not get 421 4.4.2 and a close, e.g.: " +
                string.Join("; ", wrong.Take(5)));
            var premature = outcomes.Where(o => o.IdleFor < CommandTimeout * 0.9).ToList();
            Assert.True(premature.Count == 0, $"{premature.Count} sessions timed out early, e.g. after {premature.FirstOrDefault()?.IdleFor}");
            var late = outcomes.Max(o => o.IdleFor);
            output.WriteLine($"idle time before 421: min {outcomes.Min(o => o.IdleFor).TotalSeconds:F1}s, max {late.TotalSeconds:F1}s");
        }
        finally
        {
            foreach (var s in sessions) await s.Smtp.DisposeAsync();
        }

        await using var pop = await Pop3Conversation.OpenLoggedInAsync(server.Ports.Pop3, user);
        Assert.Equal(1, (await pop.StatAsync()).Count);
    }

    private static async Task<IdleOutcome> WaitForTimeoutAsync(SmtpConversation smtp, TimeSpan greetedAt, Stopwatch clock)
    {
        smtp.Connection.ReadTimeout = CommandTimeout * 6;
        SmtpReply? reply = null;
        try
        {
            reply = await smtp.ReadReplyAsync();
            var idleFor = clock.Elapsed - greetedAt;
            var closed = await smtp.Connection.IsClosedByPeerAsync();
            return new IdleOutcome(reply, idleFor, closed, null);
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
        {
            return new IdleOutcome(reply, clock.Elapsed - greetedAt, false, e.GetType().Name + ": " + e.Message);
        }
    }
}
