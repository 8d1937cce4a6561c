namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// Values of the RFC 3461 esmtp-params: RET= and ENVID= of MAIL FROM, NOTIFY= and ORCPT= of RCPT TO.
/// Strict: a value that does not parse is refused (501 5.5.4) rather than guessed at, and decoded xtext
/// must not hold control characters, because ENVID and ORCPT are copied into the header fields of
/// delivery status notifications.
/// </summary>
public static class DsnParameterParser
{
    /// <summary>RFC 3461 section 4.4: ENVID is at most 100 characters (as sent, in xtext).</summary>
    public const int MaxEnvelopeIdLength = 100;

    /// <summary>RFC 3461 section 4.2: the ORCPT value is at most 500 characters.</summary>
    public const int MaxOriginalRecipientLength = 500;

    public static bool TryParseReturn(string? value, out DsnReturn result)
    {
        result = value?.ToUpperInvariant() switch
        {
            "FULL" => DsnReturn.Full,
            "HDRS" => DsnReturn.Headers,
            _ => DsnReturn.Unspecified,
        };
        return result != DsnReturn.Unspecified;
    }

    public static bool TryParseEnvelopeId(string? value, out string envelopeId)
    {
        envelopeId = "";
        return value is { Length: > 0 and <= MaxEnvelopeIdLength }
            && XText.TryDecode(value, out envelopeId)
            && IsPrintable(envelopeId);
    }

    /// <summary>"NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY, each at most once.</summary>
    public static bool TryParseNotify(string? value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        if (string.IsNullOrEmpty(value)) return false;
        foreach (var item in value.Split(','))
        {
            var flag = item.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.Unspecified,
            };
            if (flag == DsnNotify.Unspecified || notify.HasFlag(flag)) return false;
            notify |= flag;
        }
        return notify == DsnNotify.Never || !notify.HasFlag(DsnNotify.Never);
    }

    /// <summary>addr-type ";" xtext (RFC 3461 section 4.2); the result is "addr-type;decoded address".</summary>
    public static bool TryParseOriginalRecipient(string? value, out string originalRecipient)
    {
        originalRecipient = "";
        if (value is null || value.Length > MaxOriginalRecipientLength) return false;
        var semicolon = value.IndexOf(';');
        if (semicolon <= 0 || semicolon == value.Length - 1) return false;
        var addressType = value[..semicolon];
        if (!addressType.All(IsAtext)) return false;
        if (!XText.TryDecode(value[(semicolon + 1)..], out var address) || !IsPrintable(address)) return false;
        originalRecipient = $"{addressType};{address}";
        return true;
    }

    // RFC 5322 atext (addr-type is an atom).
    private static bool IsAtext(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c);

    // Graphic characters and space; no CR, LF or other controls that could break a header field.
    private static bool IsPrintable(string text) => text.All(c => !char.IsControl(c));
}
