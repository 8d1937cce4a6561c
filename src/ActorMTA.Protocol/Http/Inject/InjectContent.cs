namespace ActorMTA.Protocol.Http.Inject;

/// <summary>The <c>content</c> of an injection request: a ready message or the parts to assemble one from.</summary>
public abstract record InjectContent;

/// <summary>
/// A complete RFC 5322 message given as a JSON string, already turned into UTF-8 bytes with CRLF line ends.
/// Every recipient gets these same bytes: no header is rewritten and no substitution is applied.
/// </summary>
public sealed record InjectRawContent(ReadOnlyMemory<byte> Message) : InjectContent;

/// <summary>
/// The parts MimeKit assembles a message from. Subject, header values and bodies are Liquid templates;
/// <see cref="Headers"/> keep the order the request gave them in.
/// </summary>
public sealed record InjectAssembledContent(
    InjectAddress From,
    InjectAddress? ReplyTo,
    string Subject,
    string? TextBody,
    string? HtmlBody,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    IReadOnlyList<InjectAttachment> Attachments) : InjectContent;
