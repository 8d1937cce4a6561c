namespace ActorMTA.Storage.Accounts;

/// <summary>
/// What the configuration adds to the alias table (<c>actormta.accounts</c>): which domain's postmaster receives
/// mail for the domainless <c>&lt;Postmaster&gt;</c> and for every local domain's postmaster@ and abuse@ that
/// has no user or alias of its own, and how deep aliases may nest.
/// </summary>
/// <remarks>
/// The primary domain is <see cref="PrimaryDomain"/> when set. Otherwise: the host name if it is a local domain,
/// else the host name's parent domain if that is local (mail.example.org → example.org), else the first local
/// domain in sort order, else the host name itself. Empty default targets mean the mailbox
/// postmaster@&lt;primary domain&gt;, which then exists without a user so that such mail is kept; abuse@ with no
/// target of its own goes where postmaster@&lt;primary domain&gt; goes.
/// </remarks>
public sealed record AliasPolicy
{
    public const string Postmaster = "postmaster";
    public const string Abuse = "abuse";

    /// <summary>actormta.accounts.primary-domain; empty: derived from <see cref="HostName"/> and the local domains.</summary>
    public string PrimaryDomain { get; init; } = "";

    /// <summary>actormta.hostname, for the derived primary domain.</summary>
    public string HostName { get; init; } = "localhost";

    /// <summary>actormta.accounts.default-aliases.postmaster: targets of postmaster@ every local domain.</summary>
    public IReadOnlyList<string> DefaultPostmaster { get; init; } = [];

    /// <summary>actormta.accounts.default-aliases.abuse: targets of abuse@ every local domain.</summary>
    public IReadOnlyList<string> DefaultAbuse { get; init; } = [];

    /// <summary>actormta.accounts.max-alias-depth: aliases of aliases deeper than this count as a loop.</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>Splits "a@x, b@y" into its addresses; empty entries are dropped.</summary>
    public static IReadOnlyList<string> ParseTargets(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal void Validate()
    {
        if (MaxDepth < 1)
            throw new AccountException($"actormta.accounts.max-alias-depth must be at least 1 (is {MaxDepth})");
        if (PrimaryDomain.Length > 0 && !AccountAddress.TryNormalizeDomain(PrimaryDomain, out _))
            throw new AccountException($"actormta.accounts.primary-domain is not a domain: '{PrimaryDomain}'");
        foreach (var target in DefaultPostmaster.Concat(DefaultAbuse))
            if (!AccountAddress.TryNormalizeTarget(target, out _, out _))
                throw new AccountException($"actormta.accounts.default-aliases: malformed address '{target}'");
    }
}
