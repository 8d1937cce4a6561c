using MimeKit;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// A mailbox named in an injection request: the addr-spec that goes into the envelope and, for header use,
/// an optional display name.
/// </summary>
public sealed record InjectAddress(string Email, string? Name)
{
    public MailboxAddress ToMailbox() => new(Name ?? "", Email);

    /// <summary>
    /// Parses a bare addr-spec such as <c>user@example.com</c>, as the envelope and <c>email</c> fields need.
    /// A display name or angle brackets are refused here: they belong in a <c>name</c> field.
    /// </summary>
    public static bool TryParseEmail(string text, out string email)
    {
        email = "";
        if (string.IsNullOrWhiteSpace(text) || text.Contains('<') || HasControl(text)) return false;
        if (!MailboxAddress.TryParse(text, out var mailbox) || !string.IsNullOrEmpty(mailbox.Name)) return false;
        if (mailbox.Route.Count > 0 || !IsPlainAddrSpec(mailbox.Address)) return false;
        email = mailbox.Address;
        return true;
    }

    /// <summary>
    /// Parses a header mailbox: either <c>user@example.com</c> or <c>Name &lt;user@example.com&gt;</c>, with
    /// <paramref name="name"/> (when given) taking the place of a display name in the text.
    /// </summary>
    public static bool TryParse(string text, string? name, out InjectAddress address)
    {
        address = new InjectAddress("", null);
        if (string.IsNullOrWhiteSpace(text) || HasControl(text)) return false;
        if (name is not null && HasControl(name)) return false;
        if (!MailboxAddress.TryParse(text, out var mailbox) || mailbox.Route.Count > 0) return false;
        if (!IsPlainAddrSpec(mailbox.Address)) return false;
        var displayName = name ?? (string.IsNullOrEmpty(mailbox.Name) ? null : mailbox.Name);
        address = new InjectAddress(mailbox.Address, string.IsNullOrEmpty(displayName) ? null : displayName);
        return true;
    }

    /// <summary>True when a display name may be used as one (no line breaks or other controls to forge headers).</summary>
    public static bool IsValidName(string name) => !HasControl(name);

    // MimeKit accepts group syntax, quoted local parts holding '@' and domain-less local parts; the envelope
    // needs exactly local@domain, so anything MimeKit is lenient about is refused here.
    private static bool IsPlainAddrSpec(string address)
    {
        var at = address.IndexOf('@');
        if (at <= 0 || at != address.LastIndexOf('@') || at == address.Length - 1) return false;
        var domain = address.AsSpan(at + 1);
        if (domain[0] == '.' || domain[^1] == '.' || domain.Contains("..", StringComparison.Ordinal)) return false;
        foreach (var c in address)
        {
            if (c <= ' ' || c == 0x7F) return false;
        }
        return true;
    }

    private static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c)) return true;
        }
        return false;
    }
}
