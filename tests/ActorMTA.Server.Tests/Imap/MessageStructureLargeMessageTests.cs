using System.Security.Cryptography;
using System.Text;
using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using MimeKit;
using Xunit;

namespace ActorMTA.Server.Tests.Imap;

/// <summary>A 10 MiB attachment: structure computed from the file, sections streamed from it.</summary>
public sealed class MessageStructureLargeMessageTests : IDisposable
{
    private const int AttachmentSize = 10 * 1024 * 1024;
    private readonly string path = Path.Combine(Path.GetTempPath(), $"imap-large-{Guid.NewGuid():N}.eml");
    private readonly byte[] attachment = RandomNumberGenerator.GetBytes(AttachmentSize);

    public MessageStructureLargeMessageTests()
    {
        var text = new TextPart("plain") { Text = "See attachment.\n" };
        var file = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(attachment)),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = "big.bin",
        };
        var body = new Multipart("mixed") { Boundary = "big-boundary" };
        body.Add(text);
        body.Add(file);
        var message = new MimeMessage { Subject = "large", Body = body };
        message.From.Add(new MailboxAddress(null, "a@x.example"));
        using var output = File.Create(path);
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
    }

    public void Dispose() => File.Delete(path);

    private Stream Open() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);

    [Fact]
    public async Task Computes_from_the_file_and_streams_the_attachment_back_byte_exact()
    {
        MessageStructure structure;
        using (var file = Open()) structure = MessageStructure.Compute(file);

        var length = new FileInfo(path).Length;
        Assert.Equal(length, structure.Size);
        var parts = Assert.IsType<ImapMultipart>(structure.Body).Parts;
        var attachmentPart = Assert.IsType<ImapBodyPart>(parts[1]);
        Assert.Equal(("APPLICATION", "OCTET-STREAM", "BASE64"), (attachmentPart.Type, attachmentPart.Subtype, attachmentPart.Encoding));
        var layout = structure.Layout.Parts[1];
        Assert.Equal(layout.ContentLength, attachmentPart.Size);
        // Base64 of 10 MiB is about 13.3 MiB plus line ends.
        Assert.InRange(attachmentPart.Size, AttachmentSize * 4L / 3, AttachmentSize * 4L / 3 * 103 / 100);

        var content = await BodySectionReader.ReadAsync(structure, Open, new BodySection([2], BodySectionText.Whole, []), null, inlineLimit: 64 * 1024);
        var streamed = Assert.IsType<ImapContent.Streamed>(content);
        Assert.Equal(attachmentPart.Size, streamed.Length);
        var copied = new MemoryStream();
        await BodySectionReader.CopyAsync(Open, (BodySectionReader.RawSlice)streamed.Source!, copied);
        var encoded = Encoding.ASCII.GetString(copied.GetBuffer(), 0, (int)copied.Length);
        Assert.Equal(SHA256.HashData(attachment), SHA256.HashData(Convert.FromBase64String(encoded)));

        // The end of the file is the closing delimiter, right after the attachment.
        var tail = await BodySectionReader.ReadAsync(structure, Open, BodySection.Entire, new FetchPartial(layout.EndOffset, 100), inlineLimit: 64 * 1024);
        Assert.Equal("\r\n--big-boundary--\r\n", Encoding.ASCII.GetString(Assert.IsType<ImapContent.InMemory>(tail).Bytes.Span));

        var header = await BodySectionReader.ReadAsync(structure, Open, new BodySection([2], BodySectionText.Mime, []), null, inlineLimit: 64 * 1024);
        Assert.Contains("filename=big.bin", Encoding.ASCII.GetString(Assert.IsType<ImapContent.InMemory>(header).Bytes.Span));
    }
}
