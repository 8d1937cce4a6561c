namespace ActorMTA.Protocol.Imap;

/// <summary>
/// The message literal of APPEND. <see cref="Content"/> is null when the adapter read the bytes itself
/// (spooled them, see <see cref="ImapCommandReader.OnLiteralConsumed"/>); it then knows where they are.
/// </summary>
public sealed record ImapAppendMessage(long Size, ReadOnlyMemory<byte>? Content);
