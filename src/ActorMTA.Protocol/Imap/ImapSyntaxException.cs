namespace ActorMTA.Protocol.Imap;

/// <summary>
/// A command that cannot be accepted as written; carries the status (BAD for syntax, NO for e.g. an
/// unsupported CHARSET) and response code to answer with. Internal to the parser: callers get an
/// <see cref="ImapReadResult.Error"/>.
/// </summary>
internal sealed class ImapSyntaxException(string message, ImapStatus status = ImapStatus.Bad, ImapResponseCode? code = null)
    : Exception(message)
{
    public ImapStatus Status { get; } = status;

    public ImapResponseCode? Code { get; } = code;
}
