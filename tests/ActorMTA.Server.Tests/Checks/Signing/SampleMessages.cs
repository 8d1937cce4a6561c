using System.Text;

namespace ActorMTA.Server.Tests.Checks.Signing;

/// <summary>Messages as the spool stores them: CRLF, our Return-Path and Received on top.</summary>
public static class SampleMessages
{
    public const string Domain = "example.test";

    // Whitespace at line ends spelled out, so that no editor trims it away.
    private const string Spaces = "   ";
    private const string Tab = "\t";

    /// <summary>A multipart message whose bytes a MIME writer would not reproduce: spaces at line ends, a
    /// preamble and an epilogue, a quoted-printable part, blank lines at the end.</summary>
    public static byte[] Multipart(string from = $"Alice <alice@{Domain}>") => Crlf($"""
        Return-Path: <alice@{Domain}>
        Received: from client.example (client.example [192.0.2.1])
        	by mx.actormta.test with ESMTPSA id 1A2B; Mon, 7 Dec 2026 10:00:00 +0000
        Received: from laptop by client.example; Mon, 7 Dec 2026 09:59:59 +0000
        From: {from}
        To: Bob <bob@example.org>,
         Carol <carol@example.org>
        Subject:   Quarterly    numbers
        Date: Mon, 7 Dec 2026 10:00:00 +0000
        Message-ID: <q4-1@{Domain}>
        MIME-Version: 1.0
        Content-Type: multipart/alternative;
        	boundary="b1"
        X-Mailer: test

        preamble text{Spaces}
        --b1{Spaces}
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Hello =C3=A9{Spaces}
        trailing spaces{Spaces}{Tab}
        --b1
        Content-Type: text/html; charset=utf-8

        <p>Hello</p>
        --b1--
        epilogue


        """);

    /// <summary>A part with no empty line between its header and its content, as broken mailers send: MimeKit's
    /// parser takes the line for content and writes an empty line in front of it when it serializes the part, so
    /// a body hash made from the parsed message would not match the bytes that are sent.</summary>
    public static byte[] PartWithoutEmptyLine() => Crlf($"""
        Return-Path: <alice@{Domain}>
        Received: from client.example by mx.actormta.test; Mon, 7 Dec 2026 10:00:00 +0000
        From: alice@{Domain}
        To: bob@example.org
        Subject: broken part
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        --b1
        Content-Type: text/plain
        a line that is no header field
        --b1--

        """);

    /// <summary>A plain message with no Content-* fields.</summary>
    public static byte[] Plain(string from = $"alice@{Domain}", string extraHeaders = "") => Crlf($"""
        Return-Path: <alice@{Domain}>
        Received: from client.example by mx.actormta.test; Mon, 7 Dec 2026 10:00:00 +0000
        From: {from}
        To: bob@example.org
        {extraHeaders}Subject: hello
        Date: Mon, 7 Dec 2026 10:00:00 +0000

        Hello Bob.
        """);

    /// <summary>Every sample that a signer must sign, by name (for theories).</summary>
    public static byte[] ByName(string name) => name switch
    {
        nameof(Multipart) => Multipart(),
        nameof(PartWithoutEmptyLine) => PartWithoutEmptyLine(),
        nameof(Plain) => Plain(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    /// <summary><paramref name="field"/> put in front of the whole message.</summary>
    public static byte[] Prepend(string field, byte[] message) => [.. Encoding.ASCII.GetBytes(field), .. message];

    /// <summary><paramref name="field"/> put right after the message's first line (its Return-Path).</summary>
    public static byte[] AfterReturnPath(string field, byte[] message)
    {
        var firstLineEnd = Array.IndexOf(message, (byte)'\n') + 1;
        return [.. message.AsSpan(0, firstLineEnd), .. Encoding.ASCII.GetBytes(field), .. message.AsSpan(firstLineEnd)];
    }

    /// <summary><paramref name="message"/> with the first <paramref name="find"/> replaced by <paramref name="replacement"/>.</summary>
    public static byte[] Replace(byte[] message, string find, string replacement)
    {
        var text = Encoding.UTF8.GetString(message);
        var at = text.IndexOf(find, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException($"'{find}' is not in the message");
        return Encoding.UTF8.GetBytes(text[..at] + replacement + text[(at + find.Length)..]);
    }
}
