using System.Text;
using MimeKit;

namespace ActorMTA.Server.Tests.Imap;

/// <summary>Messages built with MimeKit and written out with CRLF line ends, as a client would submit them.</summary>
internal static class ImapTestMessages
{
    public static readonly byte[] AttachmentBytes = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7 % 256))];

    /// <summary>
    /// multipart/mixed ("outer"):
    ///   1 multipart/alternative ("alt"): 1.1 text/plain (quoted-printable), 1.2 text/html
    ///   2 application/octet-stream, base64, attachment data.bin
    ///   3 message/rfc822: multipart/mixed ("inner"): 3.1 text/plain, 3.2 image/png base64
    /// </summary>
    public static byte[] Multipart()
    {
        var plain = new TextPart("plain") { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        plain.SetText(Encoding.UTF8, "Grüße aus dem Test.\nZweite Zeile.\n");
        var html = new TextPart("html") { ContentTransferEncoding = ContentEncoding.SevenBit };
        html.SetText(Encoding.ASCII, "<html><body><p>Hello</p></body></html>\n");
        var alternative = new MultipartAlternative { Boundary = "alt" };
        alternative.Add(plain);
        alternative.Add(html);

        var attachment = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(AttachmentBytes)),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = "data.bin",
        };

        var innerText = new TextPart("plain") { Text = "Inner body line one.\nInner body line two.\n" };
        var image = new MimePart("image", "png")
        {
            Content = new MimeContent(new MemoryStream([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4])),
            ContentTransferEncoding = ContentEncoding.Base64,
            ContentId = "img1@example.org",
        };
        var innerBody = new Multipart("mixed") { Boundary = "inner" };
        innerBody.Add(innerText);
        innerBody.Add(image);
        var inner = new MimeMessage();
        inner.From.Add(new MailboxAddress("Inner Sender", "inner@example.org"));
        inner.To.Add(new MailboxAddress(null, "someone@example.net"));
        inner.Subject = "Forwarded";
        inner.Date = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
        inner.MessageId = "inner-1@example.org";
        inner.Body = innerBody;

        var mixed = new Multipart("mixed") { Boundary = "outer" };
        mixed.Add(alternative);
        mixed.Add(attachment);
        mixed.Add(new MessagePart { Message = inner });

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice Example", "alice@example.org"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.net"));
        message.Cc.Add(new MailboxAddress(null, "carol@example.net"));
        message.Subject = "A multipart message with a rather long subject line that MimeKit will fold when it writes the header out";
        message.Date = new DateTimeOffset(2024, 5, 6, 10, 11, 12, TimeSpan.FromHours(2));
        message.MessageId = "outer-1@example.org";
        message.Body = mixed;
        return Write(message);
    }

    public static byte[] Write(MimeMessage message)
    {
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    public static byte[] Crlf(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\r\n", lines));
}
