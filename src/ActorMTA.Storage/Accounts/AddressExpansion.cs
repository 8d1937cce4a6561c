namespace ActorMTA.Storage.Accounts;

/// <summary>What an address stands for here (see <see cref="AccountSnapshot.Expand"/>).</summary>
public enum AddressExpansionStatus
{
    /// <summary>Mailboxes and/or forwards: <see cref="AddressExpansion.Mailboxes"/>, <see cref="AddressExpansion.Forwards"/>.</summary>
    Local,

    /// <summary>The domain is not one of ours: relaying is the caller's decision.</summary>
    NotLocal,

    /// <summary>A local domain without such user or alias.</summary>
    UnknownUser,

    /// <summary>Aliases that lead back to themselves or nest deeper than the limit.</summary>
    AliasLoop,
}

/// <summary>
/// An address resolved through users and aliases. <see cref="Mailboxes"/> are normalised local addresses whose
/// mailbox keeps the mail; <see cref="Forwards"/> are addresses in other domains that the mail is sent on to.
/// Both are free of duplicates and in the order the aliases list them.
/// </summary>
public sealed record AddressExpansion(AddressExpansionStatus Status, IReadOnlyList<string> Mailboxes, IReadOnlyList<string> Forwards)
{
    public static AddressExpansion NotLocal { get; } = new(AddressExpansionStatus.NotLocal, [], []);
    public static AddressExpansion UnknownUser { get; } = new(AddressExpansionStatus.UnknownUser, [], []);
    public static AddressExpansion AliasLoop { get; } = new(AddressExpansionStatus.AliasLoop, [], []);
}
