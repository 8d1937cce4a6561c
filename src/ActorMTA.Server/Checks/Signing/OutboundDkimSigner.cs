using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>
/// Signs submitted mail with the active key of its From domain (<see cref="DkimKeyStore"/>): rsa-sha256 or
/// ed25519-sha256, relaxed/relaxed. Only a key for exactly the From domain signs; a parent domain's key does not,
/// since a subdomain may well be run by someone else.
/// </summary>
public sealed class OutboundDkimSigner
{
    /// <summary>The fields RFC 6376 section 5.4.1 recommends signing, each as often as it occurs. Return-Path and
    /// Received are never signed: every hop adds its own.</summary>
    private static readonly string[] SignedFields =
    [
        "from", "reply-to", "subject", "date", "to", "cc", "message-id", "in-reply-to", "references",
        "mime-version", "content-type", "content-transfer-encoding",
    ];

    private const int ReadChunk = 16 * 1024;

    private readonly DkimKeyStore _store;

    public OutboundDkimSigner(DkimKeyStore store)
    {
        _store = store;
    }

    /// <summary>Whether mail from <paramref name="domain"/> would be signed: an in-memory lookup.</summary>
    public bool HasKeyFor(string domain) => _store.HasKeyFor(domain);

    /// <summary>
    /// The <c>DKIM-Signature:</c> field for the message in <paramref name="content"/> (read from its position to its
    /// end, not disposed), folded and ending in CRLF; or null when the message has no single From address or its
    /// domain has no active key. The field may go anywhere in the header block; it is made to be put in front of
    /// the message as stored, before its Return-Path and Received fields if it has any.
    /// </summary>
    /// <remarks>The body is hashed as the stored bytes, not as MimeKit would write the parsed message again.
    /// Only the header block is read when there is nothing to sign.</remarks>
    public async Task<string?> SignatureFieldAsync(Stream content, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var bodyStart = await ReadHeaderBlockAsync(content, buffer, ct);
        var headers = ParseHeaders(buffer.GetBuffer().AsMemory(0, bodyStart));
        if (SenderDomain(headers) is not { } domain || _store.ActiveKey(domain) is not { } key) return null;

        await content.CopyToAsync(buffer, ct);
        var message = new MimeMessage(headers.Where(h => !IsContentField(h)))
        {
            Body = new VerbatimBody(headers.Where(IsContentField), buffer.GetBuffer().AsMemory(bodyStart, (int)buffer.Length - bodyStart)),
        };
        var signer = new DkimSigner(key.PrivateKey, key.Domain, key.Selector, key.Algorithm switch
        {
            DkimKeyAlgorithm.Ed25519 => DkimSignatureAlgorithm.Ed25519Sha256,
            _ => DkimSignatureAlgorithm.RsaSha256,
        })
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(FormatOptions.Default, message, FieldsToSign(headers));

        var signature = message.Headers[0];
        var text = signature.Field + ":" + Encoding.ASCII.GetString(signature.RawValue);
        // MimeKit folds with the platform's newline; on the wire and in the spool it must be CRLF.
        text = text.ReplaceLineEndings("\r\n");
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text : text + "\r\n";
    }

    /// <summary>Copies <paramref name="content"/> into <paramref name="buffer"/> until the empty line that ends the
    /// header block; returns the offset of the body (the whole length when there is no empty line).</summary>
    private static async Task<int> ReadHeaderBlockAsync(Stream content, MemoryStream buffer, CancellationToken ct)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ReadChunk);
        try
        {
            int read;
            while ((read = await content.ReadAsync(chunk.AsMemory(0, ReadChunk), ct)) > 0)
            {
                var searchFrom = (int)Math.Max(0, buffer.Length - 2);
                buffer.Write(chunk, 0, read);
                if (BodyStart(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), searchFrom) is var start and >= 0) return start;
            }
            return (int)buffer.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The offset after the first empty line (CRLF or bare LF) at or after <paramref name="from"/>, or -1.</summary>
    internal static int BodyStart(ReadOnlySpan<byte> data, int from)
    {
        if (from == 0)
        {
            // An empty header block: the message starts with its separating empty line.
            if (data.StartsWith("\r\n"u8)) return 2;
            if (data.StartsWith("\n"u8)) return 1;
        }
        for (var i = Math.Max(0, from - 1); i < data.Length - 1; i++)
        {
            if (data[i] != (byte)'\n') continue;
            if (data[i + 1] == (byte)'\n') return i + 2;
            if (data[i + 1] == (byte)'\r' && i + 2 < data.Length && data[i + 2] == (byte)'\n') return i + 3;
        }
        return -1;
    }

    private static HeaderList ParseHeaders(ReadOnlyMemory<byte> headerBlock)
    {
        using var stream = new MemoryStream(headerBlock.ToArray(), writable: false);
        return new MimeParser(stream, MimeFormat.Entity).ParseHeaders();
    }

    /// <summary>The domain of the one address in the one From field; null for none, several, or a group.</summary>
    private static string? SenderDomain(HeaderList headers)
    {
        Header? from = null;
        foreach (var header in headers)
        {
            if (header.Id != HeaderId.From) continue;
            if (from is not null) return null;
            from = header;
        }
        if (from is null || !InternetAddressList.TryParse(ParserOptions.Default, from.RawValue, out var addresses)) return null;
        return addresses is [MailboxAddress { Domain: { Length: > 0 } domain }] ? domain : null;
    }

    /// <summary>Every recommended field as often as it occurs, bottom-up order being the signer's business, and From
    /// once more: an h= entry with no field left to match signs its absence, so no second From can be added later
    /// without breaking the signature (RFC 6376 section 8.15).</summary>
    private static List<string> FieldsToSign(HeaderList headers)
    {
        var fields = new List<string>();
        foreach (var name in SignedFields)
        {
            var count = headers.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase));
            for (var i = 0; i < count; i++) fields.Add(name);
        }
        fields.Add("from");
        return fields;
    }

    private static bool IsContentField(Header header) => header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase);
}
