using System.Text;
using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using MimeKit.Utils;
using Xunit;

namespace ActorMTA.Server.Tests.Imap;

/// <summary>ENVELOPE computed from message headers (RFC 3501 section 7.4.2).</summary>
public sealed class MessageStructureEnvelopeTests
{
    private static ImapEnvelope Envelope(params string[] headerLines) =>
        MessageStructure.Compute(new MemoryStream(ImapTestMessages.Crlf([.. headerLines, "", "body", ""]))).Envelope;

    [Fact]
    public void Rfc3501_sample_envelope()
    {
        var envelope = Envelope(
            "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
            "From: Terry Gray <gray@cac.washington.edu>",
            "Subject: IMAP4rev1 WG mtg summary and minutes",
            "To: imap@cac.washington.edu",
            "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>",
            "Message-Id: <B27397-0100000@cac.washington.edu>",
            "MIME-Version: 1.0",
            "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII");

        Assert.Equal(
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\")",
            ImapResponseFormatter.FormatEnvelope(envelope));
    }

    [Fact]
    public void Sender_and_reply_to_given_are_kept_and_empty_ones_default_to_from()
    {
        var given = Envelope("From: a@x.example", "Sender: s@x.example", "Reply-To: r@x.example");
        Assert.Equal("s", given.Sender!.Single().Mailbox);
        Assert.Equal("r", given.ReplyTo!.Single().Mailbox);

        var empty = Envelope("From: a@x.example", "Sender:", "Reply-To: ");
        Assert.Equal(empty.From, empty.Sender);
        Assert.Equal(empty.From, empty.ReplyTo);
    }

    [Fact]
    public void Missing_headers_are_nil()
    {
        var envelope = Envelope("X-Other: 1");
        Assert.Equal("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)", ImapResponseFormatter.FormatEnvelope(envelope));
    }

    [Fact]
    public void Subject_is_raw_and_unfolded_encoded_words_untouched()
    {
        var envelope = Envelope(
            "From: a@x.example",
            "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and",
            "\tmore",
            "In-Reply-To: <a@x.example>",
            " <b@x.example>");
        Assert.Null(envelope.Date);
        Assert.Equal("=?utf-8?q?Gr=C3=BC=C3=9Fe?= and\tmore", envelope.Subject);
        Assert.Equal("<a@x.example> <b@x.example>", envelope.InReplyTo);
    }

    [Fact]
    public void Groups_use_start_and_end_markers()
    {
        var envelope = Envelope(
            "From: a@x.example",
            "To: undisclosed-recipients:;",
            "Cc: Friends: b@y.example, \"Carol C\" <c@y.example>;, d@z.example");
        Assert.Equal("((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))",
            Addresses(envelope.To));
        Assert.Equal(
            "((NIL NIL \"Friends\" NIL)(NIL NIL \"b\" \"y.example\")(\"Carol C\" NIL \"c\" \"y.example\")(NIL NIL NIL NIL)(NIL NIL \"d\" \"z.example\"))",
            Addresses(envelope.Cc));
    }

    [Fact]
    public void Encoded_display_names_stay_seven_bit_and_decode_to_the_same_name()
    {
        var envelope = Envelope("From: =?iso-8859-1?q?J=F6rg?= <j@x.example>", "Bcc: <hidden@x.example>");
        var name = envelope.From!.Single().Name!;
        Assert.True(Ascii.IsValid(name));
        Assert.Equal("Jörg", Rfc2047.DecodePhrase(Encoding.ASCII.GetBytes(name)));
        Assert.Equal("((NIL NIL \"hidden\" \"x.example\"))", Addresses(envelope.Bcc));
    }

    [Fact]
    public void Source_route_goes_into_adl()
    {
        var envelope = Envelope("From: Old <@relay.example,@gw.example:u@x.example>");
        Assert.Equal(new ImapAddress("Old", "@relay.example,@gw.example", "u", "x.example"), envelope.From!.Single());
    }

    private static string Addresses(IReadOnlyList<ImapAddress>? addresses)
    {
        var envelope = ImapResponseFormatter.FormatEnvelope(new ImapEnvelope(null, null, null, null, null, addresses, null, null, null, null));
        return envelope["(NIL NIL NIL NIL NIL ".Length..^" NIL NIL NIL NIL)".Length];
    }
}
