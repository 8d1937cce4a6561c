using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// DKIM-signs the load's messages without signing each one: the signature covers only the From field and the body,
/// both the same for every message of a size, so one signature per size is valid for all of them. What the server
/// verifies is then a real signature, at no CPU cost to the load generator during the run.
/// </summary>
internal sealed class MessageSignature(string keyFile, string selector)
{
    public byte[] FieldFor(string fromField, ReadOnlySpan<byte> body)
    {
        var from = fromField[(fromField.IndexOf('<') + 1)..fromField.IndexOf('>')];
        var domain = from[(from.LastIndexOf('@') + 1)..];
        var text = new MemoryStream();
        text.Write(Encoding.ASCII.GetBytes(fromField + "\r\n"));
        text.Write(body);
        text.Position = 0;
        var message = MimeMessage.Load(text);
        var signer = new DkimSigner(keyFile, domain, selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(message, [HeaderId.From]);
        var field = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        // MimeKit folds with the platform's line ending; SMTP needs CRLF (and relaxed canonicalization ignores folding).
        var value = Encoding.ASCII.GetString(field.RawValue).Replace("\r\n", "\n").Replace("\n", "\r\n");
        return Encoding.ASCII.GetBytes(field.Field + ":" + value);
    }
}
