using System.Text;

namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// A reverse- or forward-path from MAIL FROM / RCPT TO (RFC 5321 section 4.1.2), with any source route
/// dropped (section C: it must be ignored). <see cref="LocalPart"/> is the semantic value: surrounding
/// quotes and backslash escapes of a quoted-string are removed. <see cref="Domain"/> is lower-cased,
/// may be an address literal such as "[192.0.2.1]", and is null for the bare "&lt;postmaster&gt;" recipient.
/// </summary>
public sealed record SmtpPath
{
    public static readonly SmtpPath Null = new();

    private SmtpPath()
    {
        LocalPart = "";
        Domain = null;
        IsNull = true;
    }

    public SmtpPath(string localPart, string? domain)
    {
        ArgumentNullException.ThrowIfNull(localPart);
        if (localPart.Length == 0) throw new ArgumentException("The local part of a mailbox cannot be empty.", nameof(localPart));
        if (domain is not null && domain.Length == 0) throw new ArgumentException("Use null for no domain.", nameof(domain));
        LocalPart = localPart;
        Domain = domain?.ToLowerInvariant();
    }

    public string LocalPart { get; }

    public string? Domain { get; }

    /// <summary>The null reverse-path "&lt;&gt;" of bounces (RFC 5321 section 4.5.5).</summary>
    public bool IsNull { get; }

    /// <summary>True when any character is outside ASCII, so the message needs SMTPUTF8 (RFC 6531).</summary>
    public bool IsInternational => !Ascii.IsValid(LocalPart) || (Domain is not null && !Ascii.IsValid(Domain));

    /// <summary>"local@domain" (local part re-quoted when it is not a dot-string), "postmaster" without a
    /// domain, or "" for the null path.</summary>
    public string Address
    {
        get
        {
            if (IsNull) return "";
            var local = SmtpPathParser.IsDotString(LocalPart) ? LocalPart : Quote(LocalPart);
            return Domain is null ? local : $"{local}@{Domain}";
        }
    }

    public override string ToString() => $"<{Address}>";

    private static string Quote(string localPart)
    {
        var builder = new StringBuilder(localPart.Length + 2).Append('"');
        foreach (var c in localPart)
        {
            if (c is '"' or '\\') builder.Append('\\');
            builder.Append(c);
        }
        return builder.Append('"').ToString();
    }
}
