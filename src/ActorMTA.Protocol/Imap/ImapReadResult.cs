namespace ActorMTA.Protocol.Imap;

/// <summary>What <see cref="ImapCommandReader"/> needs or produced after one input.</summary>
public abstract record ImapReadResult
{
    private ImapReadResult()
    {
    }

    /// <summary>Read the next line and pass it to <see cref="ImapCommandReader.OnLine"/>.</summary>
    public sealed record NeedLine : ImapReadResult
    {
        public static readonly NeedLine Instance = new();
    }

    /// <summary>A whole command.</summary>
    public sealed record Complete(ImapCommand Command) : ImapReadResult;

    /// <summary>
    /// A literal of <paramref name="Size"/> bytes follows. For a synchronizing literal send
    /// "+ Ready for literal data" first (<see cref="ImapResponse.ReadyForLiteral"/>). Then read exactly
    /// <paramref name="Size"/> bytes and call <see cref="ImapCommandReader.OnLiteral"/>, or, when
    /// <paramref name="IsAppendMessage"/>, spool them and call <see cref="ImapCommandReader.OnLiteralConsumed"/>.
    /// </summary>
    public sealed record NeedLiteral(long Size, bool NonSynchronizing, bool IsAppendMessage) : ImapReadResult;

    /// <summary>A LITERAL+ literal over the limit is on its way (RFC 7888): read and drop
    /// <paramref name="Size"/> bytes, then call <see cref="ImapCommandReader.OnLiteralDiscarded"/>. The
    /// command will be rejected when its last line has arrived.</summary>
    public sealed record DiscardLiteral(long Size) : ImapReadResult;

    /// <summary>The command is rejected: send <paramref name="Response"/> (tagged with <paramref name="Tag"/>
    /// when a tag could be read, else untagged) and go on reading commands.</summary>
    public sealed record Error(string? Tag, ImapResponse.StatusResponse Response) : ImapReadResult;

    /// <summary>The command is rejected and the connection cannot go on: send <paramref name="Response"/>, then BYE
    /// and close. Used for a LITERAL+ literal too large to accept whose bytes are already on their way.</summary>
    public sealed record Fatal(string? Tag, ImapResponse.StatusResponse Response) : ImapReadResult;
}
