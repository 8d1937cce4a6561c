using System.Net;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// The values the macro letters of RFC 7208 section 7.3 stand for, at one point of an evaluation.
/// <see cref="Domain"/> is the current domain (it changes in include and redirect); the rest stay for the check.
/// </summary>
public sealed record SpfMacroContext
{
    /// <summary>%{s}: the sender, local-part@domain.</summary>
    public required string Sender { get; init; }

    /// <summary>%{l}: the sender's local-part ("postmaster" when it had none).</summary>
    public required string LocalPart { get; init; }

    /// <summary>%{o}: the sender's domain.</summary>
    public required string SenderDomain { get; init; }

    /// <summary>%{d}: the domain being evaluated now.</summary>
    public required string Domain { get; init; }

    /// <summary>%{i}, %{c}, %{v}: the SMTP client's address.</summary>
    public required IPAddress Ip { get; init; }

    /// <summary>%{h}: the HELO/EHLO name.</summary>
    public required string Helo { get; init; }

    /// <summary>%{r}: this host's name (explanations only).</summary>
    public string Receiver { get; init; } = "unknown";

    /// <summary>%{t}: now (explanations only).</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>%{p}: finds the client's validated host name for the current domain. Null answers "unknown", which is
    /// what the RFC says to use when no name validates.</summary>
    public Func<CancellationToken, Task<string>>? ValidatedName { get; init; }
}
