using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

[Trait("Category", "Integration")]
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connections_over_the_per_ip_limit_get_421_and_a_freed_slot_is_usable_again()
    {
        await using var server = await ServerProcess.StartAsync("actormta.smtp.max-connections-per-ip = 3");
        var held = new List<SmtpConversation>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var smtp = await SmtpConversation.OpenAsync(server.Ports.Smtp);
                Assert.Equal(220, smtp.Greeting.Code);
                held.Add(smtp);
            }

            await using (var refused = await TextConnection.ConnectAsync(server.Ports.Smtp))
            {
                Assert.StartsWith("421 4.7.0 ", await refused.ReadLineAsync());
                Assert.True(await refused.IsClosedByPeerAsync());
            }

            await held[0].QuitAsync();
            await held[0].DisposeAsync();
            held.RemoveAt(0);

            // The listener counts the slot free once the session actor is gone.
            SmtpConversation? again = null;
            for (var attempt = 0; attempt < 50 && again is null; attempt++)
            {
                try { again = await SmtpConversation.OpenAsync(server.Ports.Smtp); }
                catch (InvalidOperationException) { await Task.Delay(100); } // still 421: the slot is not free yet
            }
            Assert.NotNull(again);
            held.Add(again!);
            Assert.Equal(250, (await again!.CommandAsync("NOOP")).Code);
        }
        finally
        {
            foreach (var smtp in held) await smtp.DisposeAsync();
        }
    }
}
