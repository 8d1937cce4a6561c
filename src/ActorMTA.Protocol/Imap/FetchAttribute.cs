namespace ActorMTA.Protocol.Imap;

/// <summary>A FETCH data item (RFC 3501 section 6.4.5); the macros ALL/FAST/FULL are expanded by the parser.</summary>
public abstract record FetchAttribute
{
    private FetchAttribute()
    {
    }

    /// <summary>The stored message content must be read to answer this item (ENVELOPE and
    /// BODYSTRUCTURE are computed once at delivery and kept, so they do not count).</summary>
    public virtual bool NeedsContent => false;

    /// <summary>Answering this item sets \Seen (BODY[...] without PEEK, RFC822, RFC822.TEXT).</summary>
    public virtual bool SetsSeen => false;

    public sealed record Envelope : FetchAttribute
    {
        public static readonly Envelope Instance = new();
    }

    public sealed record Flags : FetchAttribute
    {
        public static readonly Flags Instance = new();
    }

    public sealed record InternalDate : FetchAttribute
    {
        public static readonly InternalDate Instance = new();
    }

    /// <summary>RFC822: the whole message, answered as "RFC822".</summary>
    public sealed record Rfc822 : FetchAttribute
    {
        public static readonly Rfc822 Instance = new();
        public override bool NeedsContent => true;
        public override bool SetsSeen => true;
    }

    /// <summary>RFC822.HEADER: like BODY.PEEK[HEADER], answered as "RFC822.HEADER".</summary>
    public sealed record Rfc822Header : FetchAttribute
    {
        public static readonly Rfc822Header Instance = new();
        public override bool NeedsContent => true;
    }

    public sealed record Rfc822Size : FetchAttribute
    {
        public static readonly Rfc822Size Instance = new();
    }

    /// <summary>RFC822.TEXT: like BODY[TEXT], answered as "RFC822.TEXT".</summary>
    public sealed record Rfc822Text : FetchAttribute
    {
        public static readonly Rfc822Text Instance = new();
        public override bool NeedsContent => true;
        public override bool SetsSeen => true;
    }

    public sealed record Uid : FetchAttribute
    {
        public static readonly Uid Instance = new();
    }

    /// <summary>MODSEQ (RFC 7162 section 3.1.5).</summary>
    public sealed record ModSeq : FetchAttribute
    {
        public static readonly ModSeq Instance = new();
    }

    /// <summary>BODY without a section: the non-extensible body structure.</summary>
    public sealed record Body : FetchAttribute
    {
        public static readonly Body Instance = new();
    }

    public sealed record BodyStructure : FetchAttribute
    {
        public static readonly BodyStructure Instance = new();
    }

    /// <summary>BINARY[part]&lt;partial&gt; or BINARY.PEEK[...] (RFC 3516): the part's content with its transfer encoding undone.</summary>
    public sealed record Binary(IReadOnlyList<int> Part, bool Peek, FetchPartial? Partial) : FetchAttribute
    {
        public override bool NeedsContent => true;
        public override bool SetsSeen => !Peek;

        public string ResponseName => $"BINARY[{string.Join('.', Part)}]";
    }

    /// <summary>BINARY.SIZE[part] (RFC 3516): the decoded size of the part.</summary>
    public sealed record BinarySize(IReadOnlyList<int> Part) : FetchAttribute
    {
        public override bool NeedsContent => true;

        public string ResponseName => $"BINARY.SIZE[{string.Join('.', Part)}]";
    }

    /// <summary>BODY[section]&lt;partial&gt; or BODY.PEEK[section]&lt;partial&gt;.</summary>
    public sealed record Section(BodySection Spec, bool Peek, FetchPartial? Partial) : FetchAttribute
    {
        public override bool NeedsContent => true;
        public override bool SetsSeen => !Peek;

        /// <summary>The item name of the answer: <c>BODY[spec]</c> plus <c>&lt;origin&gt;</c> for a partial
        /// fetch (PEEK is never echoed).</summary>
        public string ResponseName =>
            Partial is { } partial ? $"BODY[{Spec}]<{partial.Origin}>" : $"BODY[{Spec}]";
    }
}
