namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// Which sender and domain an SMTP identity is checked as (RFC 7208 sections 2.3, 2.4 and 4.3): the MAIL FROM
/// address, or postmaster@ the HELO name when the reverse-path is null or has no domain; for HELO,
/// postmaster@ the HELO name.
/// </summary>
public static class SpfIdentity
{
    /// <summary>The sender and domain for a MAIL FROM reverse-path, with or without its angle brackets.</summary>
    public static (string Sender, string Domain) MailFrom(string? mailFrom, string helo)
    {
        var path = (mailFrom ?? "").Trim();
        if (path.StartsWith('<') && path.EndsWith('>')) path = path[1..^1].Trim();
        // A source route ("@relay:user@domain", RFC 5321 section 4.1.2) is obsolete and names no sender.
        if (path.StartsWith('@') && path.Contains(':')) path = path[(path.LastIndexOf(':') + 1)..];
        var at = path.LastIndexOf('@');
        if (at < 0 || at == path.Length - 1) return Helo(helo);
        var domain = path[(at + 1)..];
        return (at == 0 ? "postmaster" + path : path, domain);
    }

    /// <summary>The sender and domain for the HELO identity.</summary>
    public static (string Sender, string Domain) Helo(string? helo)
    {
        var name = (helo ?? "").Trim();
        return ("postmaster@" + name, name);
    }

    /// <summary>Splits a sender into the %{l} and %{o} values; no local-part is "postmaster" (section 4.3), no
    /// '@' at all takes <paramref name="domain"/> as the sender's domain.</summary>
    public static (string Sender, string LocalPart, string SenderDomain) Split(string? sender, string domain)
    {
        sender ??= "";
        var at = sender.LastIndexOf('@');
        var local = at > 0 ? sender[..at] : "postmaster";
        var senderDomain = at >= 0 ? sender[(at + 1)..] : domain;
        return (local + "@" + senderDomain, local, senderDomain);
    }
}
