using ActorMTA.Protocol.Imap;

namespace ActorMTA.Server.Imap;

/// <summary>
/// What IMAP needs to know about a stored message without reading it again: ENVELOPE, BODYSTRUCTURE
/// (with extension data and line counts) and the byte offsets of every MIME entity, so that body
/// sections are cut straight out of the stored file. Computed once, when the message is delivered or
/// appended, and kept next to the message (see <see cref="Serialize"/>).
/// </summary>
public sealed class MessageStructure
{
    public MessageStructure(long size, ImapEnvelope envelope, ImapBodyStructure body, MessageStructurePart layout)
    {
        Size = size;
        Envelope = envelope;
        Body = body;
        Layout = layout;
    }

    /// <summary>RFC822.SIZE: the stored message in octets.</summary>
    public long Size { get; }

    public ImapEnvelope Envelope { get; }

    /// <summary>BODYSTRUCTURE (format with extensible = false for BODY).</summary>
    public ImapBodyStructure Body { get; }

    /// <summary>The top-level body entity; its MIME header is the message header.</summary>
    public MessageStructurePart Layout { get; }

    /// <summary>
    /// Parses <paramref name="rawMessage"/> (positioned at the start of the message) once. A seekable
    /// stream is parsed persistently: part contents stay in the stream instead of being copied into
    /// memory, so large attachments cost a scan, not their size in RAM.
    /// </summary>
    public static MessageStructure Compute(Stream rawMessage) => MessageStructureBuilder.Build(rawMessage);

    /// <summary>A compact binary form, led by a version byte.</summary>
    public byte[] Serialize() => MessageStructureSerializer.Serialize(this);

    /// <exception cref="FormatException">Unknown version or damaged data.</exception>
    public static MessageStructure Deserialize(ReadOnlySpan<byte> data) => MessageStructureSerializer.Deserialize(data);
}
