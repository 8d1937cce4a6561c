using System.Text;
using ActorMTA.Server.Checks.Dkim;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dkim;

/// <summary>RFC 6376 section 3.4.5's own example, and the parts <see cref="DkimRsaSha256Verifier"/> builds on.</summary>
public sealed class DkimCanonicalizationTests
{
    private const string Example = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";

    private static string Headers(bool relaxed)
    {
        var bytes = Encoding.ASCII.GetBytes(Example);
        var (fields, _) = RawHeaderField.Split(bytes);
        var output = new MemoryStream();
        foreach (var field in fields) DkimCanonicalization.Header(field.Bytes.Span, relaxed, output);
        return Encoding.ASCII.GetString(output.ToArray());
    }

    private static string Body(bool relaxed)
    {
        var bytes = Encoding.ASCII.GetBytes(Example);
        var (_, bodyStart) = RawHeaderField.Split(bytes);
        return Encoding.ASCII.GetString(DkimCanonicalization.Body(bytes.AsSpan(bodyStart), relaxed).Span);
    }

    [Fact]
    public void Rfc6376_example_relaxed() =>
        Assert.Equal(("a:X\r\nb:Y Z\r\n", " C\r\nD E\r\n"), (Headers(relaxed: true), Body(relaxed: true)));

    [Fact]
    public void Rfc6376_example_simple() =>
        Assert.Equal(("A: X\r\nB : Y\t\r\n\tZ  \r\n", " C \r\nD \t E\r\n"), (Headers(relaxed: false), Body(relaxed: false)));

    [Theory]
    [InlineData("", false, "\r\n")]
    [InlineData("", true, "")]
    [InlineData("\r\n\r\n", false, "\r\n")]
    [InlineData("\r\n\r\n", true, "")]
    [InlineData("no line end", false, "no line end\r\n")]
    [InlineData("a\r\n\r\nb  \r\n \t\r\n", true, "a\r\n\r\nb\r\n")]
    public void Empty_and_unterminated_bodies(string body, bool relaxed, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(DkimCanonicalization.Body(Encoding.ASCII.GetBytes(body), relaxed).Span));

    [Theory]
    [InlineData("DKIM-Signature: v=1; bh=abc; b=xyz\r\n\t123;\r\n", "DKIM-Signature: v=1; bh=abc; b=;\r\n")]
    [InlineData("DKIM-Signature: v=1; b = xyz ; h=from\r\n", "DKIM-Signature: v=1; b =; h=from\r\n")]
    [InlineData("DKIM-Signature: v=1; bh=abc; b=xyz\r\n", "DKIM-Signature: v=1; bh=abc; b=\r\n")]
    public void Only_the_b_value_is_removed(string field, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(DkimCanonicalization.WithoutSignatureValue(Encoding.ASCII.GetBytes(field))));

    [Fact]
    public void Fields_keep_their_folding_and_the_body_starts_after_the_empty_line()
    {
        var bytes = Encoding.ASCII.GetBytes("Return-Path: <a@b>\r\nSubject: one\r\n two\r\nX: 1\r\n\r\nbody\r\n");
        var (fields, bodyStart) = RawHeaderField.Split(bytes);

        Assert.Equal(["Return-Path", "Subject", "X"], fields.Select(f => f.Name));
        Assert.Equal("Subject: one\r\n two\r\n", Encoding.ASCII.GetString(fields[1].Bytes.Span));
        Assert.Equal("body\r\n", Encoding.ASCII.GetString(bytes.AsSpan(bodyStart)));
    }

    [Theory]
    [InlineData("Subject: Is dinner ready?", "Subject: Is dinner ready?", DkimRsaSha256Verifier.Outcome.Pass)]
    [InlineData("Subject: Is dinner ready?", "Subject: Is  dinner   ready? ", DkimRsaSha256Verifier.Outcome.Pass)]
    [InlineData("Subject: Is dinner ready?", "Subject: Is lunch ready?", DkimRsaSha256Verifier.Outcome.SignatureMismatch)]
    [InlineData("Hello there.", "Hello there!", DkimRsaSha256Verifier.Outcome.BodyHashMismatch)]
    public void A_MimeKit_signature_verifies_over_the_bytes(string from, string to, DkimRsaSha256Verifier.Outcome expected)
    {
        var message = DkimTestKeys.Message();
        DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel").Sign(message, DkimTestKeys.SignedHeaders);
        var text = DkimTestKeys.Text(message);
        Assert.Contains(from, text);
        var bytes = Encoding.ASCII.GetBytes("Received: from a by b\r\n" + text.Replace(from, to));
        var (fields, _) = RawHeaderField.Split(bytes);
        var signature = fields.Single(f => f.Name == "DKIM-Signature");
        var value = Encoding.ASCII.GetString(signature.Bytes.Span)[(signature.Name.Length + 1)..];
        var tags = TagList.Parse(value, StringComparer.Ordinal, out _)!;
        var key = DkimKeyRecord.Parse(DkimTestKeys.Record(DkimTestKeys.Rsa2048), out _)!;

        Assert.Equal(expected, DkimRsaSha256Verifier.Verify(bytes, 0, tags, key));
    }
}
