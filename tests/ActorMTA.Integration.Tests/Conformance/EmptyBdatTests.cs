using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>RFC 3030 section 2 allows "BDAT 0 LAST" as the whole message: an empty message, which must be
/// delivered like any other (it then holds only the server's trace fields).</summary>
[Collection(ConformanceCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EmptyBdatTests(ConformanceServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Bdat_0_last_as_the_only_chunk_is_delivered_as_an_empty_message()
    {
        var user = ConformanceServerFixture.EmptyBdat;
        await using (var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Smtp))
        {
            SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<sender@example.org>"), 250);
            SmtpConversation.Expect(await smtp.CommandAsync($"RCPT TO:<{user.Address}>"), 250);
            var reply = await smtp.CommandAsync("BDAT 0 LAST");
            Assert.True(reply.Code == 250 && reply.EnhancedCode == "2.0.0", $"got {reply}");
            await smtp.QuitAsync();
        }

        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        Assert.Equal(1, (await pop.StatAsync()).Count);
        var (returnPath, received, rest) = StoredMessage.SplitTrace(await pop.RetrAsync(1));
        Assert.Equal("Return-Path: <sender@example.org>\r\n", returnPath);
        Assert.Contains($"for <{user.Address}>", received);
        Assert.Empty(rest);
        await pop.QuitAsync();
    }
}
