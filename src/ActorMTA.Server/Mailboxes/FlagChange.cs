namespace ActorMTA.Server.Mailboxes;

/// <summary>A message's complete flag set after a change (system flags and keywords; never \Recent).</summary>
public sealed record FlagChange(long Uid, IReadOnlySet<string> Flags)
{
    /// <summary>The message's mod-sequence after the change (0 in persisted events: the state assigns it on apply).</summary>
    public long ModSeq { get; init; }

    public static FlagChange Of(MailboxMessage message) => new(message.Uid, message.Flags) { ModSeq = message.ModSeq };
}
