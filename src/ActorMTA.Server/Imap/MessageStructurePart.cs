namespace ActorMTA.Server.Imap;

/// <summary>
/// Where one MIME entity lies in the raw message, as byte offsets from the start of the stored file.
/// The entity's MIME header is [<see cref="HeaderOffset"/>, <see cref="ContentOffset"/>) including the
/// blank line that ends it; its content is [<see cref="ContentOffset"/>, <see cref="EndOffset"/>) and,
/// inside a multipart, excludes the CRLF before the next boundary (that CRLF belongs to the delimiter,
/// RFC 2046 section 5.1.1). For the top-level body entity the MIME header is the message header.
/// </summary>
/// <param name="Parts">Children of a multipart, in order; empty otherwise.</param>
/// <param name="Encapsulated">For a message/rfc822 entity, the body entity of the enclosed message: its
/// <see cref="HeaderOffset"/> is where the enclosed message starts and its <see cref="ContentOffset"/>
/// where that message's body starts.</param>
public sealed record MessageStructurePart(
    MessageStructurePartKind Kind,
    long HeaderOffset,
    long ContentOffset,
    long EndOffset,
    IReadOnlyList<MessageStructurePart> Parts,
    MessageStructurePart? Encapsulated)
{
    public long ContentLength => EndOffset - ContentOffset;

    /// <summary>Structural equality (a record compares lists by reference).</summary>
    public bool Equals(MessageStructurePart? other) =>
        other is not null && Kind == other.Kind && HeaderOffset == other.HeaderOffset &&
        ContentOffset == other.ContentOffset && EndOffset == other.EndOffset &&
        Parts.SequenceEqual(other.Parts) && Equals(Encapsulated, other.Encapsulated);

    public override int GetHashCode() => HashCode.Combine(Kind, HeaderOffset, ContentOffset, EndOffset, Parts.Count);
}
