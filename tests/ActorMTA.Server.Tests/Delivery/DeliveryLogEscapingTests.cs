using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public class DeliveryLogEscapingTests
{
    [Fact]
    public void Control_characters_in_the_recipient_and_the_remote_reply_are_escaped()
    {
        var line = DeliveryLog.Line("Q1", "b\u202eob@example.org", "mx.example.org",
            new SmtpReply(550, "5.1.1", ["No such user\x1b[2J", "fake\x07\x00 queue-id=X"]), 7);
        Assert.Equal(
            "delivery queue-id=Q1 rcpt=b\\u202eob@example.org mx=mx.example.org result=550 status=5.1.1 " +
            "text=\"No such user\\x1b[2J fake\\x07\\x00 queue-id=X\" latency-ms=7", line);
    }
}
