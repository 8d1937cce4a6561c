namespace ActorMTA.Protocol.Imap;

/// <summary>A piece of a formatted response: bytes to write, or a streamed payload the caller copies in.</summary>
public abstract record ImapWireSegment
{
    private ImapWireSegment()
    {
    }

    public sealed record Bytes(ReadOnlyMemory<byte> Data) : ImapWireSegment;

    /// <summary>Write exactly <see cref="ImapContent.Streamed.ByteCount"/> bytes of <paramref name="Content"/> here.</summary>
    public sealed record Payload(ImapContent.Streamed Content) : ImapWireSegment;
}
