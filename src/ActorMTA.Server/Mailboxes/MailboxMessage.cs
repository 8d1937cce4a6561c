using System.Collections.Immutable;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// One message in a mailbox folder. Immutable: a flag change replaces the record, so a maildrop handed
/// to a session never changes under it.
/// </summary>
/// <param name="QueueId">The queue id the message was accepted under (shared by all its copies).</param>
/// <param name="ContentRef">This entry's own reference in the content store.</param>
public sealed record MailboxMessage(long Uid, string QueueId, string ContentRef, long Size, DateTimeOffset InternalDate, IReadOnlySet<string> Flags)
{
    public static readonly IReadOnlySet<string> NoFlags = ImmutableSortedSet.Create<string>(StringComparer.OrdinalIgnoreCase);

    public static IReadOnlySet<string> FlagSet(IEnumerable<string> flags) => ImmutableSortedSet.CreateRange(StringComparer.OrdinalIgnoreCase, flags);

    /// <summary>The IMAP ENVELOPE/BODYSTRUCTURE blob once computed (<see cref="MessageStructureComputed"/>), else null.</summary>
    public byte[]? Structure { get; init; }

    /// <summary>RFC 7162 mod-sequence: the mailbox's change counter when this entry last changed (added, flags set, moved).
    /// Assigned by <see cref="MailboxState"/> as it applies events, so a replay gives the same values.</summary>
    public long ModSeq { get; init; }

    public bool HasFlag(string flag) => Flags.Contains(flag);
}
