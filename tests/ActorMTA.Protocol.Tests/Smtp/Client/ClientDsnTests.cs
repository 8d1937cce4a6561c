using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.Client.ClientTranscript;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

/// <summary>RFC 3461 parameters on the way out: passed on to a server that advertises DSN, never to one without.</summary>
public class ClientDsnTests
{
    private static OutboundMessage WithDsn() =>
        Message(to: ["bob@example.net", "carol@example.net"]) with
        {
            Dsn = new DsnMessageParameters(DsnReturn.Headers, "env 1+2=3"),
            RecipientDsn =
            [
                new DsnRecipientParameters(DsnNotify.Success | DsnNotify.Failure, "rfc822;bob@old.example"),
                DsnRecipientParameters.None,
            ],
        };

    [Fact]
    public void Server_with_dsn_gets_ret_envid_notify_and_orcpt_in_xtext()
    {
        var t = ReadyWith("PIPELINING", "DSN");
        Assert.Equal(
            "MAIL FROM:<alice@example.org> RET=HDRS ENVID=env+201+2B2+3D3\r\n"
            + "RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@old.example\r\n"
            + "RCPT TO:<carol@example.net> ORCPT=rfc822;carol@example.net\r\n"
            + "DATA\r\n",
            Wire(t.Engine.Send(WithDsn())));
    }

    [Fact]
    public void Server_without_dsn_gets_none_of_the_parameters()
    {
        var t = ReadyWith("PIPELINING");
        Assert.Equal(
            "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n",
            Wire(t.Engine.Send(WithDsn())));
    }

    [Fact]
    public void Non_pipelining_dsn_server_gets_the_parameters_one_command_at_a_time()
    {
        var t = ReadyWith("DSN");
        var message = Message() with
        {
            Dsn = new DsnMessageParameters(DsnReturn.Full, null),
            RecipientDsn = [new DsnRecipientParameters(DsnNotify.Never, null)],
        };
        Assert.Equal("MAIL FROM:<alice@example.org> RET=FULL\r\n", Wire(t.Engine.Send(message)));
        Assert.Equal(new ClientOutput("RCPT TO:<bob@example.net> NOTIFY=NEVER ORCPT=rfc822;bob@example.net\r\n", null), t.Server("250 Ok"));
        Assert.Equal(new ClientOutput("DATA\r\n", null), t.Server("250 Ok"));
    }

    [Fact]
    public void Notify_delay_alone_and_a_message_without_parameters_stay_minimal()
    {
        var t = ReadyWith("DSN");
        var message = Message() with { RecipientDsn = [new DsnRecipientParameters(DsnNotify.Delay, null)] };
        Assert.Equal("MAIL FROM:<alice@example.org>\r\n", Wire(t.Engine.Send(message)));
        Assert.Equal(new ClientOutput("RCPT TO:<bob@example.net> NOTIFY=DELAY ORCPT=rfc822;bob@example.net\r\n", null), t.Server("250 Ok"));
    }

    [Fact]
    public void Recipient_parameters_must_match_the_recipients()
    {
        var t = ReadyWith("DSN");
        var message = Message(to: ["bob@example.net", "carol@example.net"]) with { RecipientDsn = [DsnRecipientParameters.None] };
        Assert.Throws<ArgumentException>(() => t.Engine.Send(message));
    }

    [Fact]
    public void Dsn_keyword_is_read_from_ehlo()
    {
        Assert.True(ServerCapabilities.FromEhloReply(new SmtpReply(250, null, ["mx", "DSN"])).Dsn);
        Assert.False(ServerCapabilities.FromEhloReply(new SmtpReply(250, null, ["mx", "SIZE"])).Dsn);
    }
}
