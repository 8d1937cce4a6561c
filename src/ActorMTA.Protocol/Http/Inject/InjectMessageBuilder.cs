using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// Turns a validated <see cref="InjectRequest"/> into one message per recipient, one at a time as
/// <see cref="Build"/> is enumerated, so a 10,000-recipient request never has more than the message in hand
/// in memory. Raw content is passed through as it is; assembled content is rendered from templates parsed
/// once in <see cref="TryCreate"/> and written by MimeKit with CRLF line ends and 7-bit transfer encodings
/// (quoted-printable or base64 where needed, RFC 2047 words in headers), so the bytes survive any relay,
/// 8BITMIME or not.
/// </summary>
public sealed class InjectMessageBuilder
{
    private static readonly FormatOptions Wire = CreateWireFormat();

    private readonly InjectRequest _request;
    private readonly InjectTemplate? _template;
    private readonly string _hostName;
    private readonly TimeProvider _clock;

    private InjectMessageBuilder(InjectRequest request, InjectTemplate? template, string hostName, TimeProvider clock)
    {
        _request = request;
        _template = template;
        _hostName = hostName;
        _clock = clock;
    }

    /// <summary>
    /// Prepares generation for <paramref name="request"/>. False when a template does not parse: that refuses
    /// the whole request (400 <c>invalid_template</c>) before any recipient is generated.
    /// <paramref name="hostName"/> is the right-hand side of every Message-ID this builder makes.
    /// </summary>
    public static bool TryCreate(
        InjectRequest request, InjectOptions options, string hostName, TimeProvider clock,
        [NotNullWhen(true)] out InjectMessageBuilder? builder, [NotNullWhen(false)] out InjectError? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        if (string.IsNullOrWhiteSpace(hostName) || hostName.Any(c => c is <= ' ' or '@' or '<' or '>' or > '~'))
        {
            throw new ArgumentException("The host name must be an ASCII domain name.", nameof(hostName));
        }
        builder = null;
        InjectTemplate? template = null;
        if (request.Content is InjectAssembledContent assembled
            && !InjectTemplate.TryParse(assembled, request.Substitutions, options, out template, out error))
        {
            return false;
        }
        builder = new InjectMessageBuilder(request, template, hostName, clock);
        error = null;
        return true;
    }

    /// <summary>One outcome per recipient, in request order, each generated when it is reached.</summary>
    public IEnumerable<InjectOutcome> Build()
    {
        foreach (var recipient in _request.Recipients)
        {
            yield return BuildFor(recipient);
        }
    }

    private InjectOutcome BuildFor(InjectRecipient recipient)
    {
        switch (_request.Content)
        {
            case InjectRawContent raw:
                return InjectOutcome.Built(recipient, raw.Message);
            case InjectAssembledContent assembled:
                if (!_template!.TryRender(recipient, out var rendering, out var failure)) return InjectOutcome.Failed(recipient, failure);
                return InjectOutcome.Built(recipient, Assemble(assembled, rendering, recipient));
            default:
                throw new InvalidOperationException($"Unknown content kind {_request.Content.GetType().Name}.");
        }
    }

    private byte[] Assemble(InjectAssembledContent content, InjectRendering rendering, InjectRecipient recipient)
    {
        var message = new MimeMessage();
        message.From.Add(content.From.ToMailbox());
        message.To.Add(new MailboxAddress(recipient.Name ?? "", recipient.Email));
        if (content.ReplyTo is not null) message.ReplyTo.Add(content.ReplyTo.ToMailbox());
        message.Subject = rendering.Subject;
        message.Date = _clock.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(_hostName);
        foreach (var (name, value) in rendering.Headers)
        {
            message.Headers.Add(name, value);
        }

        MimeEntity body = (rendering.TextBody, rendering.HtmlBody) switch
        {
            ({ } text, { } html) => new MultipartAlternative { TextPart("plain", text), TextPart("html", html) },
            ({ } text, null) => TextPart("plain", text),
            (null, { } html) => TextPart("html", html),
            _ => throw new InvalidOperationException("Validation lets no content through without a body."),
        };
        if (content.Attachments.Count > 0)
        {
            var mixed = new Multipart("mixed") { body };
            foreach (var attachment in content.Attachments)
            {
                mixed.Add(AttachmentPart(attachment));
            }
            body = mixed;
        }
        message.Body = body;
        // Picks 7bit, quoted-printable or base64 per text part and keeps lines within 998 octets.
        message.Prepare(EncodingConstraint.SevenBit);

        using var output = new MemoryStream();
        message.WriteTo(Wire, output);
        return output.ToArray();
    }

    private static TextPart TextPart(string subtype, string text)
    {
        var part = new TextPart(subtype);
        part.SetText(Encoding.UTF8, text);
        return part;
    }

    private static MimePart AttachmentPart(InjectAttachment attachment)
    {
        // The decoded bytes are shared by every recipient's message; each part reads them through its own stream.
        var stream = MemoryMarshal.TryGetArray(attachment.Data, out var shared)
            ? new MemoryStream(shared.Array!, shared.Offset, shared.Count, writable: false)
            : new MemoryStream(attachment.Data.ToArray(), writable: false);
        return new MimePart(ContentType.Parse(attachment.ContentType))
        {
            Content = new MimeContent(stream),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = attachment.FileName,
        };
    }

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        // Headers are RFC 2047 encoded rather than raw UTF-8, which a relay without SMTPUTF8 would refuse.
        format.International = false;
        return format;
    }
}
