namespace ActorMTA.Storage.Accounts;

/// <summary>One recursive walk through users and aliases for <see cref="AccountSnapshot.Expand"/>.</summary>
internal sealed class AliasExpander(AccountSnapshot snapshot)
{
    private enum Outcome { Found, Unknown, Loop }

    private readonly List<string> _mailboxes = new();
    private readonly List<string> _forwards = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _path = new(StringComparer.Ordinal);

    public AddressExpansion Expand(string address)
    {
        if (!address.Contains('@'))
        {
            // RFC 5321 section 4.5.1: the domainless <Postmaster> must be accepted (case-insensitively).
            if (!address.Equals(AliasPolicy.Postmaster, StringComparison.OrdinalIgnoreCase))
                return AddressExpansion.UnknownUser;
            address = snapshot.ImplicitPostmaster;
        }
        if (!snapshot.TryNormalizeOurs(address, out var normalized))
        {
            var at = address.LastIndexOf('@');
            // A local domain with a local part that cannot be an account ("quoted"@local) is still ours.
            return at > 0 && snapshot.IsLocalDomain(address[(at + 1)..]) ? AddressExpansion.UnknownUser : AddressExpansion.NotLocal;
        }
        return Walk(normalized, 0) switch
        {
            Outcome.Loop => AddressExpansion.AliasLoop,
            Outcome.Unknown => AddressExpansion.UnknownUser,
            _ => new AddressExpansion(AddressExpansionStatus.Local, _mailboxes, _forwards),
        };
    }

    private Outcome Walk(string address, int depth)
    {
        if (snapshot.IsUser(address))
            return Mailbox(address);
        var targets = TargetsOf(address);
        if (targets is null)
            return address == snapshot.ImplicitPostmaster ? Mailbox(address) : Outcome.Unknown;
        if (depth >= snapshot.Policy.MaxDepth || !_path.Add(address))
            return Outcome.Loop;
        var found = false;
        foreach (var target in targets)
        {
            if (snapshot.TryNormalizeOurs(target, out var local))
            {
                var outcome = Walk(local, depth + 1);
                if (outcome == Outcome.Loop)
                    return Outcome.Loop;
                found |= outcome == Outcome.Found;
            }
            else if (AccountAddress.TryNormalizeTarget(target, out var remote, out _))
            {
                if (_seen.Add(remote))
                    _forwards.Add(remote);
                found = true;
            }
        }
        _path.Remove(address);
        return found ? Outcome.Found : Outcome.Unknown;
    }

    /// <summary>The alias table first, then the configured postmaster@/abuse@ of every local domain.</summary>
    private IReadOnlyList<string>? TargetsOf(string address)
    {
        if (snapshot.TryGetAlias(address, out var targets))
            return targets;
        var local = address[..address.LastIndexOf('@')];
        var policy = snapshot.Policy;
        return local switch
        {
            AliasPolicy.Postmaster when policy.DefaultPostmaster.Count > 0 => policy.DefaultPostmaster,
            // Without a configured target the implicit mailbox postmaster@<primary> keeps it (see Walk).
            AliasPolicy.Postmaster => address == snapshot.ImplicitPostmaster ? null : [snapshot.ImplicitPostmaster],
            AliasPolicy.Abuse when policy.DefaultAbuse.Count > 0 => policy.DefaultAbuse,
            AliasPolicy.Abuse => [snapshot.ImplicitPostmaster],
            _ => null,
        };
    }

    private Outcome Mailbox(string address)
    {
        if (_seen.Add(address))
            _mailboxes.Add(address);
        return Outcome.Found;
    }
}
