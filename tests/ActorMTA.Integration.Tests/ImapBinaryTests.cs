using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>BINARY (RFC 3516) over real sockets: parts decoded from base64 and quoted-printable, sizes, partial ranges.</summary>
[Trait("Category", "Integration")]
public sealed class ImapBinaryTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    private static readonly byte[] Payload = [0, 1, 2, 255, 0, 10, 13, 42, 0];

    private static string Message() =>
        "From: a@example.org\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n" +
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(Payload) + "\r\n" +
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe =3D soft=\r\n break\r\n" +
        "--b\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding: x-strange\r\n\r\nwhatever\r\n" +
        "--b--\r\n";

    [Fact]
    public async Task Parts_come_back_decoded_with_their_decoded_sizes()
    {
        var user = fixture.NextUser();
        await using var imap = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", Message()))[^1]);
        await imap.CommandAsync("SELECT INBOX");

        imap.Literals.Clear();
        var fetch = await imap.CommandAsync("FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[3] BINARY.PEEK[2]<3.2>)");
        Assert.Contains($"BINARY[2] ~{{{Payload.Length}}}", fetch[0]);
        Assert.Contains($"BINARY.SIZE[2] {Payload.Length}", fetch[0]);
        Assert.Contains("BINARY[2]<3> ", fetch[0]);
        Assert.Equal(Payload, imap.Literals[0]);
        Assert.Equal("Grüße = soft break", Encoding.UTF8.GetString(imap.Literals[1]));
        Assert.Equal(Payload[3..5], imap.Literals[2]);
        Assert.Matches(@"^t\d+ OK ", fetch[^1]);
        // PEEK left \Seen alone; BINARY without PEEK sets it.
        Assert.DoesNotContain("\\Seen", string.Join(" ", await imap.CommandAsync("FETCH 1 (FLAGS)")));
        var plain = await imap.CommandAsync("FETCH 1 (BINARY[1])");
        Assert.Contains(plain, l => l.Contains("\\Seen"));
        Assert.Equal("plain text", Encoding.UTF8.GetString(imap.Literals[^1]));
    }

    [Fact]
    public async Task An_unknown_transfer_encoding_is_refused_and_a_missing_part_is_nil()
    {
        var user = fixture.NextUser();
        await using var imap = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains(" OK ", (await imap.AppendAsync("INBOX", Message()))[^1]);
        await imap.CommandAsync("SELECT INBOX");
        Assert.Matches(@"^t\d+ NO \[UNKNOWN-CTE\]", (await imap.CommandAsync("FETCH 1 (BINARY.PEEK[4])"))[^1]);
        Assert.Contains("BINARY[9] NIL", (await imap.CommandAsync("FETCH 1 (BINARY.PEEK[9])"))[0]);
    }

    [Fact]
    public async Task A_message_appended_as_a_literal8_comes_back_byte_exact()
    {
        var user = fixture.NextUser();
        await using var session = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        var message = Encoding.ASCII.GetBytes("From: a@example.org\r\nSubject: nul\r\nContent-Transfer-Encoding: binary\r\n\r\nbefore\0after\r\n");
        var tag = session.NextTag();
        await session.Connection.WriteAsync(Encoding.ASCII.GetBytes($"{tag} APPEND INBOX ~{{{message.Length}+}}\r\n").Concat(message).Concat("\r\n"u8.ToArray()).ToArray());
        Assert.Matches($@"^{tag} OK \[APPENDUID \d+ 1\]", (await session.ReadUntilTaggedAsync(tag))[^1]);
        await session.CommandAsync("SELECT INBOX");

        Assert.Equal("* 1 FETCH (BINARY[1] ~{14})", (await session.CommandAsync("FETCH 1 BINARY.PEEK[1]"))[0]);
        Assert.Equal("before\0after\r\n"u8.ToArray(), session.Literals[^1]);
        await session.CommandAsync("FETCH 1 BINARY.PEEK[]");
        Assert.Equal(message, session.Literals[^1]);
    }

    [Fact]
    public async Task A_part_without_header_fields_is_seven_bit_text()
    {
        // RFC 2046 section 5.1: a body part may have no header fields at all (then text/plain, 7bit).
        var user = fixture.NextUser();
        await using var session = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        const string message = "From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
            "--b\r\n\r\nno header here\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n";
        Assert.Contains(" OK ", (await session.AppendAsync("INBOX", message))[^1]);
        await session.CommandAsync("SELECT INBOX");
        var reply = await session.CommandAsync("FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[2])");
        Assert.Equal("* 1 FETCH (BINARY[1] {14} BINARY[2] {2})", reply[0]);
        Assert.Equal("no header here", Encoding.ASCII.GetString(session.Literals[^2]));
        Assert.Equal("hi", Encoding.ASCII.GetString(session.Literals[^1]));
    }
}
