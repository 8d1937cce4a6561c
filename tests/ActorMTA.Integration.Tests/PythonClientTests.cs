using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// Python's smtplib sends, poplib (STLS) reads back, the script compares byte for byte
/// (python/smtp_pop3_roundtrip.py). Each case is content that a careless server mangles.
/// </summary>
[Collection(SharedServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PythonClientTests(SharedServerFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actormta-py-").FullName;

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Eight_bit_mime_body_round_trips()
    {
        var user = SharedServerFixture.Python8Bit;
        var file = WriteMessage("8bit.eml",
            $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "Grüße aus Köln – naïve café, ½ € and 日本語.\r\nZeile zwei: äöüß ÄÖÜ\r\n\u00ff\u00fe bytes that are not ASCII\r\n");

        await AssertRoundTripAsync(user, [file], "--mail-option", "BODY=8BITMIME");
    }

    [Fact]
    public async Task Smtputf8_address_round_trips()
    {
        var user = SharedServerFixture.PythonUtf8;
        var file = WriteMessage("utf8.eml",
            $"From: jösé@{ServerProcess.Domain}\r\nTo: {user.Address}\r\nSubject: ¿Qué tal, José?\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHola jösé, ça va? ✓\r\n");

        await AssertRoundTripAsync(user, [file], "--mail-option", "SMTPUTF8", "--mail-option", "BODY=8BITMIME", "--sender", user.Address);
    }

    [Fact]
    public async Task Ten_mebibyte_attachment_round_trips()
    {
        var user = SharedServerFixture.PythonLarge;
        var payload = new byte[10 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        var base64 = Convert.ToBase64String(payload, Base64FormattingOptions.InsertLineBreaks); // 76-column lines, CRLF
        var text = new StringBuilder()
            .Append($"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: 10 MiB\r\nMIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
            .Append("--b1\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n")
            .Append("--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n")
            .Append("Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n")
            .Append(base64).Append("\r\n--b1--\r\n");
        var file = WriteMessage("large.eml", text.ToString());

        await AssertRoundTripAsync(user, [file]);
    }

    [Fact]
    public async Task Lines_beginning_with_dots_round_trip()
    {
        var user = SharedServerFixture.PythonDots;
        var first = WriteMessage("dots.eml",
            $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: dots\r\n\r\n" +
            ".\r\n..\r\n...\r\n.leading dot\r\n..two leading dots\r\n. space\r\nmiddle . dot\r\n.\r\n..\r\n");
        // A body that is a single "." line right before the end, and a last line that is "..".
        var second = WriteMessage("dots-end.eml", $"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: dots at the end\r\n\r\n.\r\n");

        await AssertRoundTripAsync(user, [first, second]);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    private string WriteMessage(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        return path;
    }

    private async Task AssertRoundTripAsync(TestUser user, string[] files, params string[] options)
    {
        var args = new List<string> { "127.0.0.1", Server.Ports.Smtp.ToString(), Server.Ports.Pop3.ToString(), user.Address, user.Password };
        args.AddRange(files);
        args.AddRange(options);
        var (exit, text) = await PythonScript.RunAsync("smtp_pop3_roundtrip.py", args.ToArray());
        output.WriteLine(text);
        Assert.True(exit == 0, $"python client failed (exit {exit}):\n{text}");
    }
}
