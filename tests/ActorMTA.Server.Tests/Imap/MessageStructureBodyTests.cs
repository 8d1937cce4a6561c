using System.Text;
using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using Xunit;

namespace ActorMTA.Server.Tests.Imap;

/// <summary>BODYSTRUCTURE and the offset layout computed from raw messages.</summary>
public sealed class MessageStructureBodyTests
{
    private static MessageStructure Compute(byte[] raw) => MessageStructure.Compute(new MemoryStream(raw));

    [Fact]
    public void Rfc3501_single_part_example()
    {
        // 48 lines, 2279 octets: ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2279 48)
        var body = Lines(48, 2279);
        var raw = Encoding.ASCII.GetBytes("From: a@b.example\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n" + body);

        var structure = Compute(raw);

        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2279 48)",
            ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: true));
        Assert.Equal(raw.Length, structure.Size);
    }

    [Fact]
    public void Rfc3501_multipart_example()
    {
        // Inside a multipart the CRLF before a delimiter belongs to the delimiter, not the part: the last
        // line of each body has no line end of its own.
        var text = Lines(23, 1154)[..^2];
        var diff = Lines(73, 4556, alphabet: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo")[..^2];
        var raw = Encoding.ASCII.GetBytes(
            "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: MULTIPART/MIXED; BOUNDARY=\"x\"\r\n\r\n" +
            "--x\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n" + text + "\r\n" +
            "--x\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=\"cc.diff\"\r\n" +
            "Content-ID: <960723163407.20117h@cac.washington.edu>\r\nContent-Description: Compiler diff\r\n" +
            "Content-Transfer-Encoding: BASE64\r\n\r\n" + diff + "\r\n--x--\r\n");

        var structure = Compute(raw);

        var expected =
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)" +
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" " +
            "\"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")";
        Assert.Equal(expected, ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: false));
        Assert.EndsWith(" \"MIXED\" (\"BOUNDARY\" \"x\"))", ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: true));
    }

    [Fact]
    public void Multipart_with_alternative_attachment_and_message()
    {
        var raw = ImapTestMessages.Multipart();
        var slices = new RawSlices(raw);
        var header = slices.HeaderAt(0);
        var top = slices.Parts(header.End, raw.Length, "outer");
        var alt = slices.Parts(slices.HeaderAt(top[0].Start).End, top[0].End, "alt");
        (int, int) Content((int Start, int End) part) => (slices.HeaderAt(part.Start).End, part.End);
        var innerMessage = Content(top[2]);
        var innerParts = slices.Parts(slices.HeaderAt(innerMessage.Item1).End, top[2].End, "inner");

        var structure = Compute(raw);

        var plain = Content(alt[0]);
        var html = Content(alt[1]);
        var attachment = Content(top[1]);
        var innerText = Content(innerParts[0]);
        var image = Content(innerParts[1]);
        var innerEnvelope = "(\"Mon, 06 May 2024 07:08:09 +0000\" \"Forwarded\" ((\"Inner Sender\" NIL \"inner\" \"example.org\")) " +
            "((\"Inner Sender\" NIL \"inner\" \"example.org\")) ((\"Inner Sender\" NIL \"inner\" \"example.org\")) " +
            "((NIL NIL \"someone\" \"example.net\")) NIL NIL NIL \"<inner-1@example.org>\")";
        var expected =
            "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" " + Size(plain) + " " + slices.Lines(plain) + ")" +
            "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" " + Size(html) + " " + slices.Lines(html) + ")" +
            " \"ALTERNATIVE\" (\"BOUNDARY\" \"alt\"))" +
            "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"data.bin\") NIL NIL \"BASE64\" " + Size(attachment) +
            " NIL (\"ATTACHMENT\" (\"FILENAME\" \"data.bin\")))" +
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" " + Size(innerMessage) + " " + innerEnvelope + " " +
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" " + Size(innerText) + " " + slices.Lines(innerText) + ")" +
            "(\"IMAGE\" \"PNG\" NIL \"<img1@example.org>\" NIL \"BASE64\" " + Size(image) + ")" +
            " \"MIXED\" (\"BOUNDARY\" \"inner\")) " + slices.Lines(innerMessage) + ")" +
            " \"MIXED\" (\"BOUNDARY\" \"outer\"))";
        Assert.Equal(expected, ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: true));
        Assert.Equal(raw.Length, structure.Size);

        Assert.Equal(MessageStructurePartKind.Multipart, structure.Layout.Kind);
        Assert.Equal((0L, (long)header.End), (structure.Layout.HeaderOffset, structure.Layout.ContentOffset));
        var messagePart = structure.Layout.Parts[2];
        Assert.Equal(MessageStructurePartKind.Message, messagePart.Kind);
        Assert.Equal((long)innerMessage.Item1, messagePart.Encapsulated!.HeaderOffset);
        Assert.Equal((long)slices.HeaderAt(innerMessage.Item1).End, messagePart.Encapsulated.ContentOffset);
    }

    [Fact]
    public void Text_without_content_type_defaults_to_us_ascii_7bit()
    {
        var raw = ImapTestMessages.Crlf("Subject: plain", "", "one", "two", "");
        var structure = Compute(raw);
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 10 2)",
            ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: true));
        Assert.Equal(new MessageStructurePart(MessageStructurePartKind.Basic, 0, 18, 28, [], null), structure.Layout);
    }

    [Fact]
    public void Extension_data_of_a_single_part()
    {
        var raw = ImapTestMessages.Crlf(
            "Content-Type: application/pdf; name=\"r.pdf\"",
            "Content-Transfer-Encoding: base64",
            "Content-Disposition: inline; filename=\"r.pdf\"",
            "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==",
            "Content-Language: en, de",
            "Content-Location: http://example.org/r.pdf",
            "",
            "QUJD");
        var structure = Compute(raw);
        Assert.Equal(
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 4 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" " +
            "(\"INLINE\" (\"FILENAME\" \"r.pdf\")) (\"en\" \"de\") \"http://example.org/r.pdf\")",
            ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: true));
        Assert.Equal("(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 4)",
            ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: false));
    }

    [Fact]
    public void Non_ascii_parameter_values_are_sent_as_encoded_words()
    {
        var raw = ImapTestMessages.Crlf(
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment; filename*=utf-8''%C3%BCber.txt",
            "",
            "x");
        var structure = Compute(raw);
        var value = structure.Body.Disposition!.Parameters.Single().Value;
        Assert.True(System.Text.Ascii.IsValid(value));
        Assert.Equal("über.txt", MimeKit.Utils.Rfc2047.DecodeText(Encoding.ASCII.GetBytes(value)));
    }

    [Fact]
    public void Header_only_message_has_an_empty_body()
    {
        var raw = ImapTestMessages.Crlf("Subject: nothing else", "");
        var structure = Compute(raw);
        Assert.Equal(raw.Length, structure.Size);
        Assert.Equal(0, structure.Layout.ContentLength);
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)",
            ImapResponseFormatter.FormatBodyStructure(structure.Body, extensible: false));
    }

    [Fact]
    public void Unseekable_stream_gives_the_same_structure()
    {
        var raw = ImapTestMessages.Multipart();
        var seekable = Compute(raw);
        var streamed = MessageStructure.Compute(new ForwardOnlyStream(raw));
        Assert.Equal(seekable.Layout, streamed.Layout);
        Assert.Equal(seekable.Size, streamed.Size);
        Assert.Equal(ImapResponseFormatter.FormatBodyStructure(seekable.Body, true), ImapResponseFormatter.FormatBodyStructure(streamed.Body, true));
    }

    private static long Size((int Start, int End) range) => range.End - range.Start;

    /// <summary>Exactly <paramref name="count"/> CRLF-terminated lines of exactly <paramref name="octets"/> bytes in all.</summary>
    private static string Lines(int count, int octets, string alphabet = "abcdefghijklmnopqrstuvwxyz")
    {
        var characters = octets - 2 * count;
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var length = characters / count + (i < characters % count ? 1 : 0);
            for (var j = 0; j < length; j++) builder.Append(alphabet[(i + j) % alphabet.Length]);
            builder.Append("\r\n");
        }
        return builder.ToString();
    }
}
