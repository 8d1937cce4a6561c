using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;
using static ActorMTA.Protocol.Tests.Smtp.Client.ClientTranscript;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

public class ClientTransactionTests
{
    private static readonly string[] TwoRecipients = ["bob@example.net", "carol@example.net"];

    [Fact]
    public void Pipelined_group_with_one_recipient_refused_delivers_to_the_other()
    {
        var t = ReadyWith("PIPELINING", "SIZE", "ENHANCEDSTATUSCODES");
        Assert.Equal(
            "MAIL FROM:<alice@example.org> SIZE=42\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n",
            Wire(t.Engine.Send(Message(to: TwoRecipients, size: 42))));

        Assert.Equal(new ClientOutput("", null), t.Server("250 2.1.0 Ok", "550 5.1.1 <bob@example.net>: Recipient address rejected", "250 2.1.5 Ok"));
        Assert.Equal(new ClientOutput("", new ClientEffect.SendContent("msg-1")), t.Server("354 go ahead"));
        t.Engine.OnContentSent();
        var result = Finished(t.Server("250 2.0.0 Ok: queued as ABC"));

        Assert.Equal(
            ["bob@example.net: 550 5.1.1 <bob@example.net>: Recipient address rejected", "carol@example.net: 250 2.0.0 Ok: queued as ABC"],
            Outcomes(result));
        Assert.Equal(["carol@example.net"], result.Accepted.Select(r => r.Recipient));
        Assert.Equal(["bob@example.net"], result.PermanentFailures.Select(r => r.Recipient));
        Assert.Equal(new SmtpReply(250, "2.0.0", "Ok: queued as ABC"), result.Reply);
    }

    [Fact]
    public void Pipelined_all_recipients_refused_sends_no_content_swallows_the_data_refusal_and_resets_next_time()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message(to: TwoRecipients));
        var output = t.Server("250 2.1.0 Ok", "550 5.1.1 no such user", "450 4.2.1 mailbox busy", "554 5.5.1 Error: no valid recipients");
        Assert.Equal("", output.Sent);
        var result = Finished(output);
        Assert.Equal(["bob@example.net: 550 5.1.1 no such user", "carol@example.net: 450 4.2.1 mailbox busy"], Outcomes(result));
        Assert.Empty(result.Accepted);
        Assert.Equal(new SmtpReply(450, "4.2.1", "mailbox busy"), result.Reply);
        Assert.Equal(ClientState.Ready, t.Engine.State);

        // The failed transaction is cleared with RSET inside the next group.
        Assert.Equal(
            "RSET\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<dave@example.net>\r\nDATA\r\n",
            Wire(t.Engine.Send(Message(id: "msg-2", to: ["dave@example.net"]))));
        Assert.Equal(new ClientOutput("", new ClientEffect.SendContent("msg-2")), t.Server("250 2.0.0 Ok", "250 Ok", "250 Ok", "354 go"));
    }

    [Fact]
    public void Pipelined_data_accepted_without_valid_recipients_is_ended_with_a_lone_dot()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message());
        Assert.Equal(new ClientOutput(".\r\n", null), t.Server("250 Ok", "550 5.1.1 unknown", "354 go ahead"));
        var result = Finished(t.Server("554 5.5.1 no valid recipients"));
        Assert.Equal(["bob@example.net: 550 5.1.1 unknown"], Outcomes(result));
        Assert.Equal("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n", Wire(t.Engine.Send(Message())));
    }

    [Fact]
    public void Pipelined_mail_refusal_decides_for_every_recipient_and_the_rest_of_the_group_is_consumed()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message(to: TwoRecipients));
        var output = t.Server("553 5.1.8 Sender address rejected", "503 5.5.1 need MAIL", "503 5.5.1 need MAIL", "503 5.5.1 need MAIL");
        var mailRefusal = new SmtpReply(553, "5.1.8", "Sender address rejected");
        Assert.Equal(new TransactionResult("msg-1", [new("bob@example.net", mailRefusal), new("carol@example.net", mailRefusal)], mailRefusal), Finished(output));
        Assert.Equal(ClientState.Ready, t.Engine.State);
    }

    [Fact]
    public void Non_pipelining_server_gets_one_command_at_a_time()
    {
        var t = ReadyWith("8BITMIME");
        Assert.Equal("MAIL FROM:<alice@example.org> BODY=8BITMIME\r\n", Wire(t.Engine.Send(Message(to: TwoRecipients, eightBit: true))));
        Assert.Equal(new ClientOutput("RCPT TO:<bob@example.net>\r\n", null), t.Server("250 Ok"));
        Assert.Equal(new ClientOutput("RCPT TO:<carol@example.net>\r\n", null), t.Server("550 5.1.1 unknown"));
        Assert.Equal(new ClientOutput("DATA\r\n", null), t.Server("250 Ok"));
        Assert.Equal(new ClientOutput("", new ClientEffect.SendContent("msg-1")), t.Server("354 go"));
        t.Engine.OnContentSent();
        Assert.Equal(["bob@example.net: 550 5.1.1 unknown", "carol@example.net: 250 Ok"], Outcomes(Finished(t.Server("250 Ok"))));
    }

    [Fact]
    public void Non_pipelining_all_refused_never_sends_data_and_resets_before_the_next_mail()
    {
        var t = ReadyWith();
        t.Engine.Send(Message());
        t.Server("250 Ok");
        var output = t.Server("550 5.1.1 unknown");
        Assert.Equal("", output.Sent);
        Assert.Equal(["bob@example.net: 550 5.1.1 unknown"], Outcomes(Finished(output)));

        Assert.Equal("RSET\r\n", Wire(t.Engine.Send(Message(id: "msg-2"))));
        Assert.Equal(new ClientOutput("MAIL FROM:<alice@example.org>\r\n", null), t.Server("250 2.0.0 Ok"));
        Assert.Equal(new ClientOutput("RCPT TO:<bob@example.net>\r\n", null), t.Server("250 Ok"));
    }

    [Fact]
    public void Non_pipelining_mail_refusal_stops_at_once()
    {
        var t = ReadyWith();
        t.Engine.Send(Message(to: TwoRecipients));
        var output = t.Server("451 4.3.0 Try again later");
        Assert.Equal("", output.Sent);
        var result = Finished(output);
        Assert.All(result.Recipients, r => Assert.Equal(new SmtpReply(451, "4.3.0", "Try again later"), r.Reply));
        Assert.Equal(2, result.TransientFailures.Count());
    }

    [Fact]
    public void Transient_failure_on_the_final_data_reply_goes_to_every_accepted_recipient()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message(to: ["bob@example.net", "carol@example.net", "erin@example.net"]));
        t.Server("250 Ok", "250 Ok", "550 5.1.1 unknown", "250 Ok", "354 go");
        t.Engine.OnContentSent();
        var result = Finished(t.Server("451 4.3.0 Error: queue file write error"));
        Assert.Equal(
            [
                "bob@example.net: 451 4.3.0 Error: queue file write error",
                "carol@example.net: 550 5.1.1 unknown",
                "erin@example.net: 451 4.3.0 Error: queue file write error",
            ],
            Outcomes(result));
        Assert.Equal(new SmtpReply(451, "4.3.0", "Error: queue file write error"), result.Reply);
        // The end of the content closed the transaction on the server: no RSET before the next one.
        Assert.Equal("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n", Wire(t.Engine.Send(Message(id: "msg-2"))));
    }

    [Fact]
    public void Data_refused_after_accepted_recipients_gives_them_the_data_reply_and_resets_next_time()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message());
        var result = Finished(t.Server("250 Ok", "250 Ok", "451 4.3.0 not now"));
        Assert.Equal(["bob@example.net: 451 4.3.0 not now"], Outcomes(result));
        Assert.StartsWith("RSET\r\nMAIL FROM:", Wire(t.Engine.Send(Message(id: "msg-2"))));
    }

    [Fact]
    public void Service_closing_mid_transaction_settles_unrefused_recipients_with_it_and_fails_the_connection()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message(to: ["bob@example.net", "carol@example.net", "erin@example.net"]));
        var output = t.Server("250 Ok", "550 5.1.1 unknown", "421 4.7.0 mx.example.net Error: too many errors");
        Assert.Equal("", output.Sent);
        var failed = Failed(output);
        var closing = new SmtpReply(421, "4.7.0", "mx.example.net Error: too many errors");
        Assert.Equal(closing, failed.Reply);
        Assert.True(failed.WholeConnection);
        Assert.Equal(
            [
                "bob@example.net: 550 5.1.1 unknown",
                "carol@example.net: 421 4.7.0 mx.example.net Error: too many errors",
                "erin@example.net: 421 4.7.0 mx.example.net Error: too many errors",
            ],
            Outcomes(failed.Transaction!));
        Assert.Equal(ClientState.Closed, t.Engine.State);
        // The rest of the group's replies (if any arrive) are ignored.
        Assert.Equal(new ClientOutput("", null), t.Server("503 bad sequence"));
    }

    [Fact]
    public void Service_closing_as_the_final_data_reply_fails_the_accepted_recipients_transiently()
    {
        var t = ReadyWith();
        t.Engine.Send(Message());
        t.Server("250 Ok");
        t.Server("250 Ok");
        t.Server("354 go");
        t.Engine.OnContentSent();
        var failed = Failed(t.Server("421 4.3.2 shutting down"));
        Assert.Equal(["bob@example.net: 421 4.3.2 shutting down"], Outcomes(failed.Transaction!));
    }

    [Fact]
    public void Reply_while_content_is_streaming_ends_the_session()
    {
        var t = ReadyWith();
        t.Engine.Send(Message());
        t.Server("250 Ok", "250 Ok", "354 go");
        var failed = Failed(t.Server("552 5.3.4 Message too big"));
        Assert.Equal(["bob@example.net: 552 5.3.4 Message too big"], Outcomes(failed.Transaction!));
        Assert.False(t.Engine.IsAwaitingCompletion);
    }

    [Fact]
    public void Abort_mid_transaction_settles_the_message_with_the_local_reason()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message(to: TwoRecipients));
        t.Server("250 Ok", "550 5.1.1 unknown");
        var failed = Assert.IsType<ClientEffect.ConnectionFailed>(t.Engine.Abort(LocalReplies.ConnectionLost).Effect);
        Assert.Equal(
            ["bob@example.net: 550 5.1.1 unknown", "carol@example.net: 421 4.4.2 Connection lost"],
            Outcomes(failed.Transaction!));
    }

    [Fact]
    public void Message_larger_than_the_size_limit_fails_permanently_without_sending()
    {
        var t = ReadyWith("PIPELINING", "SIZE 1000");
        var output = Output(t.Engine.Send(Message(to: TwoRecipients, size: 1001)));
        Assert.Equal("", output.Sent);
        var result = Finished(output);
        Assert.Equal(LocalReplies.MessageTooBig, result.Reply);
        Assert.Equal(new SmtpReply(552, "5.3.4", "Message size exceeds the server's fixed maximum message size"), result.Reply);
        Assert.All(result.Recipients, r => Assert.True(r.IsPermanentFailure));
        Assert.Equal(ClientState.Ready, t.Engine.State);
        // A message at the limit goes out, without RSET because nothing was sent for the refused one.
        Assert.StartsWith("MAIL FROM:<alice@example.org> SIZE=1000\r\n", Wire(t.Engine.Send(Message(size: 1000))));
    }

    [Fact]
    public void Size_without_a_limit_still_declares_the_size()
    {
        var t = ReadyWith("SIZE 0");
        Assert.Null(t.Engine.Capabilities.MaxSize);
        Assert.Equal("MAIL FROM:<alice@example.org> SIZE=99999999\r\n", Wire(t.Engine.Send(Message(size: 99_999_999))));
    }

    [Theory]
    [InlineData("alice@example.org", "bob@example.net", true)]
    [InlineData("alice@example.org", "böb@example.net", false)]
    [InlineData("ålice@example.org", "bob@example.net", false)]
    public void Message_needing_smtputf8_fails_with_553_5_6_7_when_the_server_lacks_it(string from, string to, bool declared)
    {
        var t = ReadyWith("PIPELINING", "8BITMIME");
        var output = Output(t.Engine.Send(Message(from: from, to: [to], utf8: declared)));
        Assert.Equal("", output.Sent);
        var result = Finished(output);
        Assert.Equal([$"{to}: 553 5.6.7 The message needs SMTPUTF8 but the server does not support it"], Outcomes(result));
    }

    [Fact]
    public void Smtputf8_and_8bitmime_parameters_are_sent_when_needed_and_advertised()
    {
        var t = ReadyWith("PIPELINING", "SIZE 5000", "8BITMIME", "SMTPUTF8");
        Assert.Equal(
            "MAIL FROM:<ålice@example.org> SIZE=10 BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n",
            Wire(t.Engine.Send(Message(from: "ålice@example.org", size: 10, eightBit: true))));
    }

    [Fact]
    public void Eight_bit_message_fails_permanently_when_the_server_lacks_8bitmime()
    {
        var t = ReadyWith("PIPELINING");
        var result = Finished(Output(t.Engine.Send(Message(eightBit: true))));
        Assert.Equal(new SmtpReply(554, "5.6.3", "The message needs 8BITMIME but the server does not support it"), result.Reply);
    }

    [Fact]
    public void Null_reverse_path_is_sent_as_empty_brackets()
    {
        var t = ReadyWith();
        Assert.Equal("MAIL FROM:<>\r\n", Wire(t.Engine.Send(Message(from: ""))));
    }

    [Fact]
    public void Two_messages_on_one_connection_need_no_rset_after_a_success()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message(id: "msg-1"));
        t.Server("250 Ok", "250 Ok", "354 go");
        t.Engine.OnContentSent();
        Assert.True(Finished(t.Server("250 2.0.0 queued as 1")).Recipients[0].Accepted);

        Assert.Equal(
            "MAIL FROM:<alice@example.org>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n",
            Wire(t.Engine.Send(Message(id: "msg-2", to: ["carol@example.net"]))));
        Assert.Equal(new ClientOutput("", new ClientEffect.SendContent("msg-2")), t.Server("250 Ok", "250 Ok", "354 go"));
        t.Engine.OnContentSent();
        var second = Finished(t.Server("250 2.0.0 queued as 2"));
        Assert.Equal("msg-2", second.QueueId);
        Assert.Equal(["carol@example.net: 250 2.0.0 queued as 2"], Outcomes(second));
        Assert.Equal("QUIT\r\n", Wire(t.Engine.Quit()));
    }

    [Fact]
    public void Multi_line_refusal_keeps_every_line_and_the_enhanced_code()
    {
        var t = ReadyWith("PIPELINING", "ENHANCEDSTATUSCODES");
        t.Engine.Send(Message());
        var result = Finished(t.Server("250 2.1.0 Ok", "550-5.7.1 Blocked by policy", "550-5.7.1 see https://example.net/why", "550 5.7.1 contact postmaster", "554 5.5.1 no valid recipients"));
        Assert.Equal(new SmtpReply(550, "5.7.1", ["Blocked by policy", "see https://example.net/why", "contact postmaster"]), result.Recipients[0].Reply);
    }

    [Fact]
    public void Send_while_a_transaction_runs_throws()
    {
        var t = ReadyWith("PIPELINING");
        t.Engine.Send(Message());
        Assert.Throws<InvalidOperationException>(() => t.Engine.Send(Message()));
        Assert.Throws<InvalidOperationException>(() => t.Engine.Quit());
        t.Server("250 Ok", "250 Ok", "354 go");
        Assert.True(t.Engine.IsAwaitingCompletion);
        Assert.Throws<InvalidOperationException>(() => t.Engine.Send(Message()));
    }

    [Theory]
    [InlineData("bob@example.net>\r\nRCPT TO:<eve@example.net")]
    [InlineData("bob@example.net\n")]
    [InlineData("")]
    public void Addresses_that_could_break_the_command_line_are_rejected(string recipient)
    {
        var t = ReadyWith();
        Assert.ThrowsAny<ArgumentException>(() => t.Engine.Send(Message(to: [recipient])));
        Assert.Equal(ClientState.Ready, t.Engine.State);
    }

    [Fact]
    public void A_message_without_recipients_is_rejected()
    {
        var t = ReadyWith();
        Assert.Throws<ArgumentException>(() => t.Engine.Send(Message(to: [])));
    }
}
