namespace ActorMTA.Protocol.Imap;

/// <summary>One data item of a <c>* n FETCH (...)</c> response.</summary>
public abstract record ImapFetchItem
{
    private ImapFetchItem()
    {
    }

    public sealed record Flags(IReadOnlyList<string> Values) : ImapFetchItem;

    public sealed record InternalDate(DateTimeOffset Value) : ImapFetchItem;

    public sealed record Rfc822Size(long Value) : ImapFetchItem;

    public sealed record Uid(uint Value) : ImapFetchItem;

    /// <summary>MODSEQ (n), RFC 7162 section 3.1.5.</summary>
    public sealed record ModSeq(long Value) : ImapFetchItem;

    public sealed record Envelope(ImapEnvelope Value) : ImapFetchItem;

    /// <summary>BINARY.SIZE[part] n (RFC 3516).</summary>
    public sealed record BinarySize(string Name, long Size) : ImapFetchItem;

    /// <summary>BODYSTRUCTURE when <paramref name="Extensible"/>, else BODY (no extension data).</summary>
    public sealed record BodyStructure(ImapBodyStructure Value, bool Extensible) : ImapFetchItem;

    /// <summary>
    /// Message text: <paramref name="Name"/> is "RFC822", "RFC822.HEADER", "RFC822.TEXT" or
    /// "BODY[section]"; <paramref name="Origin"/> is echoed as <c>&lt;origin&gt;</c> for partial fetches;
    /// null content is NIL (a section that does not exist).
    /// </summary>
    public sealed record Content(string Name, long? Origin, ImapContent? Value) : ImapFetchItem
    {
        /// <summary>Sent as a literal8 (<c>~{n}</c>, RFC 3516): decoded BINARY content that holds a NUL octet.</summary>
        public bool Literal8 { get; init; }

        /// <summary>The answer to a BODY[...] / BODY.PEEK[...] request, <paramref name="value"/> already sliced
        /// to the partial range if one was asked for.</summary>
        public static Content ForSection(FetchAttribute.Section request, ImapContent? value) =>
            new($"BODY[{request.Spec}]", request.Partial?.Origin, value);
    }
}
