namespace ActorMTA.Server.Mailboxes;

/// <summary>A message's complete flag set after a change (system flags and keywords; never \Recent).</summary>
public sealed record FlagChange(long Uid, IReadOnlySet<string> Flags);
