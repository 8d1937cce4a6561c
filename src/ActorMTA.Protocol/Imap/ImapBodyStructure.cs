namespace ActorMTA.Protocol.Imap;

/// <summary>
/// The MIME structure of a message for BODY and BODYSTRUCTURE (RFC 3501 section 7.4.2), computed once
/// by the server (with MimeKit) and formatted by <see cref="ImapResponseFormatter"/>. Parameter lists
/// are attribute/value pairs in order; empty means NIL.
/// </summary>
public abstract record ImapBodyStructure
{
    private protected ImapBodyStructure()
    {
    }

    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>Content-Disposition (extension data, BODYSTRUCTURE only).</summary>
    public ImapContentDisposition? Disposition { get; init; }

    /// <summary>Content-Language tags (extension data); empty means NIL.</summary>
    public IReadOnlyList<string> Language { get; init; } = [];

    /// <summary>Content-Location (extension data).</summary>
    public string? Location { get; init; }
}

/// <summary>
/// A non-multipart body part. <see cref="Lines"/> is required for TEXT/* and MESSAGE/RFC822 (the size
/// in lines of the encoded body); <see cref="Message"/> and <see cref="MessageBody"/> describe the
/// encapsulated message of a MESSAGE/RFC822 part.
/// </summary>
public sealed record ImapBodyPart(
    string Type,
    string Subtype,
    string? Id,
    string? Description,
    string Encoding,
    long Size) : ImapBodyStructure
{
    public long? Lines { get; init; }

    public ImapEnvelope? Message { get; init; }

    public ImapBodyStructure? MessageBody { get; init; }

    /// <summary>Content-MD5 (extension data).</summary>
    public string? Md5 { get; init; }

    public bool IsText => Type.Equals("TEXT", StringComparison.OrdinalIgnoreCase);

    public bool IsMessageRfc822 =>
        Type.Equals("MESSAGE", StringComparison.OrdinalIgnoreCase) && Subtype.Equals("RFC822", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A multipart body: its parts (at least one) and the subtype (MIXED, ALTERNATIVE, ...).</summary>
public sealed record ImapMultipart(IReadOnlyList<ImapBodyStructure> Parts, string Subtype) : ImapBodyStructure;

/// <summary>body-fld-dsp: disposition type and its parameters.</summary>
public sealed record ImapContentDisposition(string Type, IReadOnlyList<KeyValuePair<string, string>> Parameters);
