namespace ActorMTA.Protocol.Imap;

/// <summary>The bytes of a body section in a FETCH response.</summary>
public abstract record ImapContent
{
    private ImapContent()
    {
    }

    public abstract long Length { get; }

    /// <summary>Bytes at hand; formatted into the response.</summary>
    public sealed record InMemory(ReadOnlyMemory<byte> Bytes) : ImapContent
    {
        public override long Length => Bytes.Length;
    }

    /// <summary>
    /// Bytes the caller streams itself (from the content store): formatting stops after the
    /// <c>{n}\r\n</c> prefix with an <see cref="ImapWireSegment.Payload"/> for them.
    /// <paramref name="Source"/> is opaque here, for the caller to find the bytes again.
    /// </summary>
    public sealed record Streamed(long ByteCount, object? Source) : ImapContent
    {
        public override long Length => ByteCount;
    }
}
