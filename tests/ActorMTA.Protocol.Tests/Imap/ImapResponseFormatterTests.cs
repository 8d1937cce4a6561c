using System.Text;
using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>Server responses of RFC 3501 sections 6-8, compared byte for byte.</summary>
public class ImapResponseFormatterTests
{
    private static readonly string[] SystemFlags = [@"\Answered", @"\Flagged", @"\Deleted", @"\Seen", @"\Draft"];

    private static ImapResponse.StatusResponse Tagged(string tag, ImapStatus status, string text, ImapResponseCode? code = null) => new(tag, status, code, text);

    private static ImapResponse.StatusResponse Untagged(ImapStatus status, string text, ImapResponseCode? code = null) => new(null, status, code, text);

    private static void Same(string expected, ImapResponse response) => Assert.Equal(expected + "\r\n", ImapWire.Text(response));

    [Fact]
    public void Status_responses()
    {
        Same("* OK IMAP4rev1 Service Ready", Untagged(ImapStatus.Ok, "IMAP4rev1 Service Ready"));
        Same("a001 OK LOGIN completed", Tagged("a001", ImapStatus.Ok, "LOGIN completed"));
        Same("* OK [ALERT] System shutdown in 10 minutes", Untagged(ImapStatus.Ok, "System shutdown in 10 minutes", ImapResponseCode.Alert));
        Same("* NO Disk is 98% full, please delete unnecessary data", Untagged(ImapStatus.No, "Disk is 98% full, please delete unnecessary data"));
        Same("A223 NO COPY failed: disk is full", Tagged("A223", ImapStatus.No, "COPY failed: disk is full"));
        Same("* BAD Empty command line", Untagged(ImapStatus.Bad, "Empty command line"));
        Same("* PREAUTH IMAP4rev1 server logged in as Smith", Untagged(ImapStatus.PreAuth, "IMAP4rev1 server logged in as Smith"));
        Same("* BYE Autologout; idle for too long", Untagged(ImapStatus.Bye, "Autologout; idle for too long"));
        Same("A684 NO Name \"foo\" has inferior hierarchical names", Tagged("A684", ImapStatus.No, "Name \"foo\" has inferior hierarchical names"));
    }

    [Fact]
    public void Text_cannot_break_the_line()
    {
        Same("a NO bad  injected", Tagged("a", ImapStatus.No, "bad\r\ninjected"));
    }

    [Fact]
    public void Select_responses_from_section_6_3_1()
    {
        Same("* 172 EXISTS", new ImapResponse.Exists(172));
        Same("* 1 RECENT", new ImapResponse.Recent(1));
        Same("* OK [UNSEEN 12] Message 12 is first unseen", Untagged(ImapStatus.Ok, "Message 12 is first unseen", ImapResponseCode.Unseen(12)));
        Same("* OK [UIDVALIDITY 3857529045] UIDs valid", Untagged(ImapStatus.Ok, "UIDs valid", ImapResponseCode.UidValidity(3857529045)));
        Same("* OK [UIDNEXT 4392] Predicted next UID", Untagged(ImapStatus.Ok, "Predicted next UID", ImapResponseCode.UidNext(4392)));
        Same(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)", new ImapResponse.Flags(SystemFlags));
        Same(@"* OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited", Untagged(ImapStatus.Ok, "Limited", ImapResponseCode.PermanentFlags([@"\Deleted", @"\Seen", @"\*"])));
        Same("* OK [PERMANENTFLAGS ()] No permanent flags permitted", Untagged(ImapStatus.Ok, "No permanent flags permitted", ImapResponseCode.PermanentFlags([])));
        Same("A142 OK [READ-WRITE] SELECT completed", Tagged("A142", ImapStatus.Ok, "SELECT completed", ImapResponseCode.ReadWrite));
        Same("A932 OK [READ-ONLY] EXAMINE completed", Tagged("A932", ImapStatus.Ok, "EXAMINE completed", ImapResponseCode.ReadOnly));
    }

    [Fact]
    public void Other_response_codes()
    {
        Same("a NO [TRYCREATE] No such mailbox", Tagged("a", ImapStatus.No, "No such mailbox", ImapResponseCode.TryCreate));
        Same("a OK [APPENDUID 38505 3955] APPEND completed", Tagged("a", ImapStatus.Ok, "APPEND completed", ImapResponseCode.AppendUid(38505, 3955)));
        Same("a OK [COPYUID 38505 304,319:320 3956:3958] Done",
            Tagged("a", ImapStatus.Ok, "Done", ImapResponseCode.CopyUid(38505, [304, 319, 320], [3956, 3957, 3958])));
        Same("a NO [AUTHENTICATIONFAILED] Authentication failed", Tagged("a", ImapStatus.No, "Authentication failed", ImapResponseCode.AuthenticationFailed));
        Same("* OK [CLOSED] Previous mailbox closed", Untagged(ImapStatus.Ok, "Previous mailbox closed", ImapResponseCode.Closed));
        Same("a OK [CAPABILITY IMAP4rev1 IDLE] Logged in", Tagged("a", ImapStatus.Ok, "Logged in", ImapResponseCode.Capability(["IMAP4rev1", "IDLE"])));
        Assert.Throws<ArgumentException>(() => ImapResponseCode.CopyUid(1, [1, 2], [3]));
    }

    [Fact]
    public void Mailbox_status_responses()
    {
        Same("* 23 EXISTS", new ImapResponse.Exists(23));
        Same("* 5 RECENT", new ImapResponse.Recent(5));
        Same("* 44 EXPUNGE", new ImapResponse.Expunge(44));
        Same("* SEARCH 2 3 6", new ImapResponse.Search([2, 3, 6]));
        Same("* SEARCH", new ImapResponse.Search([]));
        Same("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)",
            new ImapResponse.MailboxStatus("blurdybloop", [new(ImapStatusItem.Messages, 231), new(ImapStatusItem.UidNext, 44292)]));
        Same("* STATUS \"Sent Items\" (UNSEEN 0)", new ImapResponse.MailboxStatus("Sent Items", [new(ImapStatusItem.Unseen, 0)]));
    }

    [Fact]
    public void List_and_lsub_responses()
    {
        Same("* LIST () \"/\" blurdybloop", new ImapResponse.List([], '/', "blurdybloop"));
        Same(@"* LIST (\Noselect) ""/"" foo", new ImapResponse.List([@"\Noselect"], '/', "foo"));
        Same(@"* LIST (\Noselect) ""/"" """"", new ImapResponse.List([@"\Noselect"], '/', ""));
        Same(@"* LIST (\Noselect) ""."" #news.", new ImapResponse.List([@"\Noselect"], '.', "#news."));
        Same(@"* LIST (\Noselect) ""/"" ~/Mail/foo", new ImapResponse.List([@"\Noselect"], '/', "~/Mail/foo"));
        Same("* LSUB () \".\" #news.comp.mail.misc", new ImapResponse.List([], '.', "#news.comp.mail.misc", Lsub: true));
        Same(@"* LSUB (\NoSelect) ""."" #news.comp.mail", new ImapResponse.List([@"\NoSelect"], '.', "#news.comp.mail", Lsub: true));
        Same(@"* LIST (\HasNoChildren \Sent) ""/"" ""Sent Items""", new ImapResponse.List([@"\HasNoChildren", @"\Sent"], '/', "Sent Items"));
        Same("* LIST () NIL \"NIL\"", new ImapResponse.List([], null, "NIL"));
        Same("* LIST () \"\\\\\" a", new ImapResponse.List([], '\\', "a"));
    }

    [Fact]
    public void Capability_namespace_enabled_id_and_continuation()
    {
        Same("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED", new ImapResponse.Capability(["IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"]));
        Same("* NAMESPACE ((\"\" \"/\")) NIL NIL", new ImapResponse.Namespace([new ImapNamespace("", '/')], null, null));
        Same("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\"))",
            new ImapResponse.Namespace([new("", '/')], [new("~", '/')], [new("#shared/", '/'), new("#public/", '/')]));
        Same("* ENABLED CONDSTORE", new ImapResponse.Enabled(["CONDSTORE"]));
        Same("* ENABLED", new ImapResponse.Enabled([]));
        Same("* ID NIL", new ImapResponse.Id(null));
        Same("* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" NIL)", new ImapResponse.Id([new("name", "Cyrus"), new("version", "1.5"), new("os", null)]));
        Same("+ idling", new ImapResponse.Continuation("idling"));
        Same("+ ", new ImapResponse.Continuation(""));
        Same("+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMC", new ImapResponse.Continuation("YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMC"));
    }

    [Fact]
    public void Fetch_flags_and_size()
    {
        Same(@"* 23 FETCH (FLAGS (\Seen) RFC822.SIZE 44827)", new ImapResponse.Fetch(23, [new ImapFetchItem.Flags([@"\Seen"]), new ImapFetchItem.Rfc822Size(44827)]));
        Same(@"* 14 FETCH (FLAGS (\Seen \Deleted))", new ImapResponse.Fetch(14, [new ImapFetchItem.Flags([@"\Seen", @"\Deleted"])]));
        Same(@"* 23 FETCH (FLAGS (\Seen) UID 4827313)", new ImapResponse.Fetch(23, [new ImapFetchItem.Flags([@"\Seen"]), new ImapFetchItem.Uid(4827313)]));
    }

    /// <summary>Section 8, "a003 fetch 12 full": the long line is broken in the RFC for clarity only.</summary>
    [Fact]
    public void Sample_connection_fetch_full()
    {
        var grayAddress = new ImapAddress("Terry Gray", null, "gray", "cac.washington.edu");
        var envelope = new ImapEnvelope(
            "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
            "IMAP4rev1 WG mtg summary and minutes",
            [grayAddress], [grayAddress], [grayAddress],
            [new ImapAddress(null, null, "imap", "cac.washington.edu")],
            [new ImapAddress(null, null, "minutes", "CNRI.Reston.VA.US"), new ImapAddress("John Klensin", null, "KLENSIN", "MIT.EDU")],
            null, null, "<B27397-0100000@cac.washington.edu>");
        var body = new ImapBodyPart("TEXT", "PLAIN", null, null, "7BIT", 3028) { Parameters = [new("CHARSET", "US-ASCII")], Lines = 92 };
        var response = new ImapResponse.Fetch(12, [
            new ImapFetchItem.Flags([@"\Seen"]),
            new ImapFetchItem.InternalDate(new DateTimeOffset(1996, 7, 17, 2, 44, 25, TimeSpan.FromHours(-7))),
            new ImapFetchItem.Rfc822Size(4286),
            new ImapFetchItem.Envelope(envelope),
            new ImapFetchItem.BodyStructure(body, Extensible: false),
        ]);
        const string expected =
            "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" " +
            "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" " +
            "\"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")" +
            "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\") " +
            "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))";
        Same(expected, response);
    }

    [Fact]
    public void Sample_connection_fetch_body_header()
    {
        const string header =
            "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n" +
            "From: Terry Gray <gray@cac.washington.edu>\r\n" +
            "Subject: IMAP4rev1 WG mtg summary and minutes\r\n" +
            "To: imap@cac.washington.edu\r\n" +
            "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n" +
            "Message-Id: <B27397-0100000@cac.washington.edu>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n" +
            "\r\n";
        Assert.Equal(342, header.Length);
        var request = Assert.IsType<FetchAttribute.Section>(Assert.Single(Assert.IsType<ImapCommand.Fetch>(ImapWire.Parse("a004 fetch 12 body[header]")).Attributes));
        var response = new ImapResponse.Fetch(12, [ImapFetchItem.Content.ForSection(request, new ImapContent.InMemory(Encoding.ASCII.GetBytes(header)))]);
        Same("* 12 FETCH (BODY[HEADER] {342}\r\n" + header + ")", response);
    }

    [Fact]
    public void Sample_connection_store_and_logout()
    {
        Same(@"* 12 FETCH (FLAGS (\Seen \Deleted))", new ImapResponse.Fetch(12, [new ImapFetchItem.Flags([@"\Seen", @"\Deleted"])]));
        Same("a005 OK +FLAGS completed", Tagged("a005", ImapStatus.Ok, "+FLAGS completed"));
        Same("* BYE IMAP4rev1 server terminating connection", Untagged(ImapStatus.Bye, "IMAP4rev1 server terminating connection"));
        Same("a006 OK LOGOUT completed", Tagged("a006", ImapStatus.Ok, "LOGOUT completed"));
    }

    [Fact]
    public void Body_structure_examples_of_section_7_4_2()
    {
        var simple = new ImapBodyPart("TEXT", "PLAIN", null, null, "7BIT", 2279) { Parameters = [new("CHARSET", "US-ASCII")], Lines = 48 };
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2279 48)", ImapResponseFormatter.FormatBodyStructure(simple, extensible: true));

        var mixed = new ImapMultipart([
            new ImapBodyPart("TEXT", "PLAIN", null, null, "7BIT", 1152) { Parameters = [new("CHARSET", "US-ASCII")], Lines = 23 },
            new ImapBodyPart("TEXT", "PLAIN", "<960723163407.20117h@cac.washington.edu>", "Compiler diff", "BASE64", 4554)
            {
                Parameters = [new("CHARSET", "US-ASCII"), new("NAME", "cc.diff")],
                Lines = 73,
            },
        ], "MIXED");
        const string expected =
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)" +
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") " +
            "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")";
        Assert.Equal(expected, ImapResponseFormatter.FormatBodyStructure(mixed, extensible: true));
        Assert.Equal(expected, ImapResponseFormatter.FormatBodyStructure(mixed, extensible: false));
    }

    [Fact]
    public void Body_structure_extension_data_in_order_and_only_for_bodystructure()
    {
        var attachment = new ImapBodyPart("APPLICATION", "PDF", null, null, "BASE64", 1000)
        {
            Parameters = [new("NAME", "a.pdf")],
            Disposition = new ImapContentDisposition("attachment", [new("filename", "a.pdf")]),
            Language = ["en", "de"],
        };
        var text = new ImapBodyPart("TEXT", "PLAIN", null, null, "QUOTED-PRINTABLE", 10) { Parameters = [new("CHARSET", "UTF-8")], Lines = 1, Md5 = "Q2hlY2sgSW50ZWdyaXR5IQ==" };
        var mixed = new ImapMultipart([text, attachment], "MIXED") { Parameters = [new("BOUNDARY", "xyz")], Location = "http://x/" };

        Assert.Equal(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 10 1 \"Q2hlY2sgSW50ZWdyaXR5IQ==\")" +
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 1000 NIL (\"attachment\" (\"filename\" \"a.pdf\")) (\"en\" \"de\"))" +
            " \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL NIL \"http://x/\")",
            ImapResponseFormatter.FormatBodyStructure(mixed, extensible: true));
        Assert.Equal(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 10 1)" +
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 1000) \"MIXED\")",
            ImapResponseFormatter.FormatBodyStructure(mixed, extensible: false));
        Assert.Equal("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL NIL \"de\")",
            ImapResponseFormatter.FormatBodyStructure(new ImapBodyPart("TEXT", "PLAIN", null, null, "7BIT", 0) { Language = ["de"] }, extensible: true));
    }

    [Fact]
    public void Message_rfc822_part_carries_envelope_body_and_lines()
    {
        var inner = new ImapBodyPart("TEXT", "PLAIN", null, null, "7BIT", 5) { Lines = 1 };
        var envelope = new ImapEnvelope(null, "Hi", [new ImapAddress(null, null, "a", "b.example")], null, null, null, null, null, null, null);
        var message = new ImapBodyPart("MESSAGE", "RFC822", null, null, "7BIT", 100) { Message = envelope, MessageBody = inner, Lines = 4 };
        Assert.Equal(
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 100 (NIL \"Hi\" ((NIL NIL \"a\" \"b.example\")) NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1) 4)",
            ImapResponseFormatter.FormatBodyStructure(message, extensible: false));
    }

    [Fact]
    public void Envelope_group_syntax()
    {
        var envelope = new ImapEnvelope("d", null, null, null, null,
            [ImapAddress.GroupStart("undisclosed-recipients"), ImapAddress.GroupEnd], null, null, null, null);
        Assert.Equal("(\"d\" NIL NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)",
            ImapResponseFormatter.FormatEnvelope(envelope));
    }

    [Theory]
    [InlineData("plain text", "\"plain text\"")]
    [InlineData("", "\"\"")]
    [InlineData("say \"hi\"", "{8}\r\nsay \"hi\"")]
    [InlineData("back\\slash", "{10}\r\nback\\slash")]
    [InlineData("two\r\nlines", "{10}\r\ntwo\r\nlines")]
    [InlineData("Grüße", "{7}\r\nGrüße")]
    public void Strings_are_quoted_only_when_safe(string value, string wire)
    {
        var envelope = new ImapEnvelope(null, value, null, null, null, null, null, null, null, null);
        Assert.Equal($"(NIL {wire} NIL NIL NIL NIL NIL NIL NIL NIL)", ImapResponseFormatter.FormatEnvelope(envelope));
    }

    [Fact]
    public void Missing_section_is_nil_and_partial_origin_is_echoed()
    {
        var request = new FetchAttribute.Section(new BodySection([9], BodySectionText.Whole, []), Peek: true, new FetchPartial(0, 2048));
        Same("* 1 FETCH (BODY[9]<0> NIL)", new ImapResponse.Fetch(1, [ImapFetchItem.Content.ForSection(request, null)]));
        Same("* 1 FETCH (RFC822.SIZE 3 RFC822 {3}\r\nabc UID 7)",
            new ImapResponse.Fetch(1, [new ImapFetchItem.Rfc822Size(3), new ImapFetchItem.Content("RFC822", null, new ImapContent.InMemory("abc"u8.ToArray())), new ImapFetchItem.Uid(7)]));
    }

    [Fact]
    public void Streamed_content_is_left_to_the_caller_between_prefix_and_rest()
    {
        var source = new object();
        var response = new ImapResponse.Fetch(3, [
            new ImapFetchItem.Uid(44),
            new ImapFetchItem.Content("BODY[]", null, new ImapContent.Streamed(123456, source)),
            new ImapFetchItem.Flags([@"\Seen"]),
        ]);
        var segments = ImapResponseFormatter.FormatSegments(response);
        Assert.Equal(3, segments.Count);
        Assert.Equal("* 3 FETCH (UID 44 BODY[] {123456}\r\n", Encoding.ASCII.GetString(Assert.IsType<ImapWireSegment.Bytes>(segments[0]).Data.Span));
        var payload = Assert.IsType<ImapWireSegment.Payload>(segments[1]);
        Assert.Same(source, payload.Content.Source);
        Assert.Equal(123456, payload.Content.ByteCount);
        Assert.Equal(" FLAGS (\\Seen))\r\n", Encoding.ASCII.GetString(Assert.IsType<ImapWireSegment.Bytes>(segments[2]).Data.Span));
        Assert.Throws<InvalidOperationException>(() => ImapResponseFormatter.Format(response));

        Assert.Equal("* 5 FETCH (BODY[1.2]<100> {20}\r\n", Encoding.ASCII.GetString(ImapResponseFormatter.FetchLiteralPrefix(5, "BODY[1.2]", 100, 20)));
        Assert.Equal(")\r\n", Encoding.ASCII.GetString(ImapResponseFormatter.FetchSuffix));
    }

    [Fact]
    public void WriteTo_a_caller_buffer_gives_the_same_bytes_and_hands_payloads_over_at_their_place()
    {
        var source = new object();
        var response = new ImapResponse.Fetch(3, [
            new ImapFetchItem.Uid(44),
            new ImapFetchItem.Content("BODY[]", null, new ImapContent.Streamed(123456, source)),
            new ImapFetchItem.Flags([@"\Seen"]),
        ]);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        System.Buffers.BuffersExtensions.Write(output, "before "u8);
        var payloadAt = -1;
        ImapResponseFormatter.WriteTo(output, response, streamed =>
        {
            Assert.Same(source, streamed.Source);
            payloadAt = output.WrittenCount;
        });

        Assert.Equal("before * 3 FETCH (UID 44 BODY[] {123456}\r\n FLAGS (\\Seen))\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal("before * 3 FETCH (UID 44 BODY[] {123456}\r\n".Length, payloadAt);

        var plain = new ImapResponse.Fetch(9, [new ImapFetchItem.Uid(1), new ImapFetchItem.Flags([@"\Seen", "Work"])]);
        var direct = new System.Buffers.ArrayBufferWriter<byte>();
        ImapResponseFormatter.WriteTo(direct, plain, _ => Assert.Fail("no payload"));
        Assert.Equal(ImapResponseFormatter.Format(plain), direct.WrittenSpan.ToArray());
    }

    [Fact]
    public void Internal_date_uses_the_values_offset_and_zero_padded_day()
    {
        Same("* 1 FETCH (INTERNALDATE \"05-Mar-2024 09:07:03 +0530\")",
            new ImapResponse.Fetch(1, [new ImapFetchItem.InternalDate(new DateTimeOffset(2024, 3, 5, 9, 7, 3, new TimeSpan(5, 30, 0)))]));
    }
}
