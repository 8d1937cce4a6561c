namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// What a header given in an injection request may be. A value holding CR or LF could end the header and
/// start another (or the body), so it is never let through, neither as given nor after templating.
/// </summary>
public static class InjectHeaderField
{
    // The builder writes these itself from the request's own fields; a second copy from "headers" would give
    // a message two Subjects or a Content-Type that disagrees with its body. Bcc would show every recipient
    // the hidden list; Return-Path is the final delivery's to write, from the envelope.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Return-Path",
    };

    /// <summary>RFC 5322 section 2.2 field name: one or more printable US-ASCII characters other than ':'.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || name.Length > 76) return false;
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':') return false;
        }
        return true;
    }

    public static bool IsReserved(string name) => Reserved.Contains(name);

    /// <summary>
    /// True when <paramref name="value"/> can be one unstructured header value: no CR, LF or other control
    /// character except TAB (MimeKit folds long values itself).
    /// </summary>
    public static bool IsValidValue(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && c != '\t') return false;
        }
        return true;
    }
}
