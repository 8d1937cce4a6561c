using System.Text;
using ActorMTA.Server.Delivery;
using MimeKit;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public sealed class OutboundContentTests
{
    [Theory]
    [InlineData("Return-Path: <a@b.test>\r\nFrom: x\r\n\r\nbody\r\n", 25)]
    [InlineData("return-path: <a@b.test>\n\n", 24)]
    [InlineData("Return-Path:\r\n <a@b.test>\r\n\tcomment\r\nFrom: x\r\n\r\n", 37)]
    [InlineData("From: x\r\nReturn-Path: <a@b.test>\r\n\r\n", 0)]
    [InlineData("Return-Pathology: x\r\n\r\n", 0)]
    [InlineData("Return-Path: <a@b.test>", 0)]
    [InlineData("", 0)]
    public void Only_a_leading_return_path_field_is_measured(string content, int expected)
    {
        Assert.Equal(expected, OutboundContent.LeadingReturnPathLength(Encoding.ASCII.GetBytes(content)));
    }

    [Fact]
    public async Task A_return_path_longer_than_the_limit_is_left_alone()
    {
        var content = "Return-Path: <a@b.test>\r\n" + string.Concat(Enumerable.Repeat(" folded continuation\r\n", 1000)) + "From: x\r\n\r\n";
        Assert.Equal(0, await OutboundContent.LeadingReturnPathLengthAsync(new MemoryStream(Encoding.ASCII.GetBytes(content))));
    }

    [Fact]
    public void Eight_bit_text_becomes_quoted_printable_and_other_parts_base64()
    {
        var raw =
            "From: a@b.test\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n" +
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\u00e9t\u00e9\r\n" +
            "--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain ascii stays\r\n" +
            "--b--\r\n";
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

        OutboundContent.EncodeSevenBit(message);
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);

        Assert.DoesNotContain(buffer.ToArray(), b => b >= 0x80);
        var back = MimeMessage.Load(new MemoryStream(buffer.ToArray()));
        var parts = back.BodyParts.OfType<MimePart>().ToArray();
        Assert.Equal(ContentEncoding.QuotedPrintable, parts[0].ContentTransferEncoding);
        Assert.Equal("Grüße aus Köln", ((TextPart)parts[0]).Text.TrimEnd());
        Assert.Equal(ContentEncoding.Base64, parts[1].ContentTransferEncoding);
        Assert.Equal(ContentEncoding.Default, parts[2].ContentTransferEncoding);
        Assert.Equal("7bit", back.Body.Headers[HeaderId.ContentTransferEncoding]);
    }

    [Fact]
    public void A_single_part_message_without_transfer_encoding_is_converted_too()
    {
        var raw = "From: a@b.test\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n";
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

        OutboundContent.EncodeSevenBit(message);

        Assert.Equal(ContentEncoding.QuotedPrintable, ((MimePart)message.Body).ContentTransferEncoding);
        Assert.Equal("Grüße", message.TextBody.TrimEnd());
    }
}
