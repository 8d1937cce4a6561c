namespace ActorMTA.Server.Imap;

public static partial class BodySectionReader
{
    /// <summary>
    /// Bytes [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Length"/>) of the stored
    /// message: the <see cref="Protocol.Imap.ImapContent.Streamed.Source"/> of a section too long to hold in
    /// memory, for <see cref="CopyAsync"/> to send.
    /// </summary>
    public sealed record RawSlice(long Offset, long Length);
}
