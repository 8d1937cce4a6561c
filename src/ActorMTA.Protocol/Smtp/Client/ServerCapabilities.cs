using System.Globalization;

namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// The service extensions a server advertised in its EHLO reply (RFC 5321 section 4.1.1.1): the first line
/// is the greeting, every further line one keyword with optional parameters.
/// </summary>
public sealed record ServerCapabilities
{
    /// <summary>Nothing known: before EHLO, after STARTTLS, or after the HELO fallback.</summary>
    public static readonly ServerCapabilities None = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    private ServerCapabilities(IReadOnlyDictionary<string, string> keywords)
    {
        Keywords = keywords;
        Pipelining = keywords.ContainsKey("PIPELINING");
        Size = keywords.TryGetValue("SIZE", out var size);
        // RFC 1870: no parameter, or 0, means there is no fixed maximum.
        MaxSize = size is not null && long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0
            ? max
            : null;
        EightBitMime = keywords.ContainsKey("8BITMIME");
        SmtpUtf8 = keywords.ContainsKey("SMTPUTF8");
        StartTls = keywords.ContainsKey("STARTTLS");
        Chunking = keywords.ContainsKey("CHUNKING");
        EnhancedStatusCodes = keywords.ContainsKey("ENHANCEDSTATUSCODES");
        Dsn = keywords.ContainsKey("DSN");
    }

    /// <summary>Every advertised keyword (upper case as sent, case-insensitive lookup) with its parameters ("" when none).</summary>
    public IReadOnlyDictionary<string, string> Keywords { get; }

    public bool Pipelining { get; }

    /// <summary>SIZE was advertised, so MAIL FROM carries SIZE=.</summary>
    public bool Size { get; }

    /// <summary>The advertised SIZE limit in bytes; null when there is none.</summary>
    public long? MaxSize { get; }

    public bool EightBitMime { get; }

    public bool SmtpUtf8 { get; }

    public bool StartTls { get; }

    public bool Chunking { get; }

    public bool EnhancedStatusCodes { get; }

    /// <summary>RFC 3461: the server takes RET/ENVID/NOTIFY/ORCPT and reports on the message from here on.</summary>
    public bool Dsn { get; }

    /// <summary>Reads the keywords from the lines after the first of a 250 EHLO reply. Lines that do not start
    /// with a valid ehlo-keyword are ignored; a repeated keyword keeps its first parameters.</summary>
    public static ServerCapabilities FromEhloReply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var keywords = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < reply.Lines.Count; i++)
        {
            var line = reply.Lines[i].Trim();
            var space = line.IndexOf(' ');
            var keyword = space < 0 ? line : line[..space];
            var parameters = space < 0 ? "" : line[(space + 1)..].Trim();
            if (IsEhloKeyword(keyword)) keywords.TryAdd(keyword.ToUpperInvariant(), parameters);
        }
        return new ServerCapabilities(keywords);
    }

    // ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    private static bool IsEhloKeyword(string keyword) =>
        keyword.Length > 0 && char.IsAsciiLetterOrDigit(keyword[0])
        && keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public bool Equals(ServerCapabilities? other) =>
        other is not null && Keywords.Count == other.Keywords.Count
        && Keywords.All(k => other.Keywords.TryGetValue(k.Key, out var v) && v == k.Value);

    public override int GetHashCode() => Keywords.Count;
}
