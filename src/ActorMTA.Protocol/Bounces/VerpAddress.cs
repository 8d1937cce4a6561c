using System.Security.Cryptography;
using System.Text;

namespace ActorMTA.Protocol.Bounces;

/// <summary>
/// Variable envelope return paths (as Postfix and qmail write them): each message and recipient gets its own return
/// path, <c>local+queueId=recipientLocal=recipientDomain@bounceDomain</c>, so a bounce arriving there names the
/// message and recipient whatever its format, even when it quotes neither.
/// <para>
/// Escaping: the result must be a dot-atom (RFC 5321 section 4.1.2) that no relay rewrites, and split back without
/// ambiguity. Letters, digits and <c>!#$&amp;'*+-/?^_`{|}</c> stay as they are; every other octet of the UTF-8 form
/// ('=', '~', '@', '%', '"', '\', blanks, brackets, non-ASCII) becomes <c>~XX</c> (hex), and so does a dot that
/// would start or end a field or follow another dot. Decoding takes hex in either case, because some systems
/// lower-case the addresses they bounce to. The queue id is the text up to the first '=', the recipient domain the
/// text after the last '=' (no escaped field contains '=').
/// </para>
/// <para>
/// RFC 5321 section 4.5.3.1.1 limits a local part to 64 octets. When the spelt-out form is longer, the return path
/// is <c>local+queueId=h~HASH</c> instead: the first 16 hex digits of the SHA-256 of the recipient, which
/// <see cref="VerpTarget.Names"/> compares against the message's recipients (the queue id says which message).
/// </para>
/// <para>
/// A message with a tenant (the HTTP API's tag) carries it as a field of its own after the queue id,
/// <c>local+queueId=~tTENANT=recipientLocal=recipientDomain@bounceDomain</c>, so a report arriving at any node puts
/// its suppression entry on that tenant's list: the queue entry that knew the tenant is gone by the time a report
/// comes, and the node that sent the copy may not be the one the report reaches. "~t" cannot start an escaped field
/// ('t' is no hex digit), so the field is told apart from a recipient; return paths without it (all those written
/// before tenants were carried) decode as before, and a decoder that predates the field refuses the new form (its
/// recipient field would not unescape) rather than misread it. The tenant is escaped like the other fields and only
/// carried when it is printable ASCII without blanks (what the HTTP API accepts). When the 64 octets do not hold
/// everything, the recipient wins over the tenant: without the recipient a complaint whose report redacts it can
/// suppress nothing, without the tenant the entry goes to the global list. So the order of preference is tenant and
/// spelt-out recipient, spelt-out recipient, tenant and hashed recipient, hashed recipient.
/// </para>
/// </summary>
public sealed class VerpAddress
{
    public const int MaxLocalPartLength = 64;
    private const char Escape = '~';
    private const string HashMarker = "h~";
    private const string TenantMarker = "~t";
    private const string Unescaped = "!#$&'*+-/?^_`{|}";

    public string LocalPart { get; }
    public string Domain { get; }

    public VerpAddress(string localPart, string domain)
    {
        if (string.IsNullOrEmpty(localPart) || localPart.Any(c => !IsKept(c) && c != '.') || localPart.Contains('+') || localPart.Contains(".."))
            throw new ArgumentException($"verp local part '{localPart}' must be a plain dot-atom without '+', '=' or '~'");
        if (string.IsNullOrWhiteSpace(domain)) throw new ArgumentException("verp domain must not be empty");
        LocalPart = localPart;
        Domain = domain.Trim().TrimEnd('.');
    }

    /// <summary>The longest queue id (of plain characters) whose return path fits whatever the recipient: the hashed form's.</summary>
    public int MaxQueueIdLength => MaxLocalPartLength - LocalPart.Length - "+=".Length - HashMarker.Length - 16;

    /// <summary>
    /// The return path for <paramref name="recipient"/> of message <paramref name="queueId"/>, naming
    /// <paramref name="tenant"/> too when there is room (null or empty: the message has none).
    /// </summary>
    public string Encode(string queueId, string recipient, string? tenant = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueId);
        ArgumentException.ThrowIfNullOrEmpty(recipient);
        var prefix = LocalPart + "+" + EscapeField(queueId) + "=";
        var withTenant = !string.IsNullOrEmpty(tenant) && IsCarriedTenant(tenant) ? prefix + TenantMarker + EscapeField(tenant) + "=" : null;
        var at = recipient.LastIndexOf('@');
        var spelt = at > 0 && at < recipient.Length - 1 ? EscapeField(recipient[..at]) + "=" + EscapeField(recipient[(at + 1)..]) : null;
        var hashed = HashMarker + HashOf(recipient);
        // The recipient before the tenant (see the class comment).
        var local = Fitting(withTenant, spelt) ?? Fitting(prefix, spelt) ?? Fitting(withTenant, hashed) ?? Fitting(prefix, hashed)
            ?? throw new ArgumentException($"queue id '{queueId}' with local part '{LocalPart}' leaves no room for a recipient within {MaxLocalPartLength} octets");
        return local + "@" + Domain;
    }

    private static string? Fitting(string? head, string? tail)
    {
        if (head is null || tail is null) return null;
        var local = head + tail;
        return Encoding.UTF8.GetByteCount(local) <= MaxLocalPartLength ? local : null;
    }

    /// <summary>
    /// Whether <paramref name="tenant"/> can ride in a return path: printable ASCII without blanks, as the HTTP API
    /// admits tenants. A decoded tenant outside that set was not written by us and is refused.
    /// </summary>
    public static bool IsCarriedTenant(string tenant) => tenant.Length > 0 && tenant.All(c => c is >= '!' and <= '~');

    /// <summary>Reads a return path written by <see cref="Encode"/> with this local part (any domain: the caller routes by domain).</summary>
    public bool TryDecode(string address, out VerpTarget target)
    {
        target = null!;
        if (string.IsNullOrEmpty(address)) return false;
        var at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        if (local.Length <= LocalPart.Length + 1
            || !local.StartsWith(LocalPart, StringComparison.OrdinalIgnoreCase)
            || local[LocalPart.Length] != '+')
            return false;
        var rest = local[(LocalPart.Length + 1)..];
        var first = rest.IndexOf('=');
        if (first <= 0) return false;
        if (!TryUnescape(rest[..first], out var queueId)) return false;
        var tail = rest[(first + 1)..];
        string? tenant = null;
        if (tail.StartsWith(TenantMarker, StringComparison.OrdinalIgnoreCase))
        {
            // A tenant field is always followed by a recipient (spelt out or hashed).
            var end = tail.IndexOf('=');
            if (end < 0 || !TryUnescape(tail[TenantMarker.Length..end], out var decoded) || !IsCarriedTenant(decoded)) return false;
            tenant = decoded;
            tail = tail[(end + 1)..];
        }
        // The hashed form has no '=' after the marker; a spelt-out recipient always has one (before its domain), so
        // a recipient whose local part starts "h" and an escaped octet ("h=x@..." is "h~3Dx=...") is not taken for a hash.
        if (tail.StartsWith(HashMarker, StringComparison.OrdinalIgnoreCase) && !tail.Contains('='))
        {
            var hash = tail[HashMarker.Length..];
            if (hash.Length != 16 || !hash.All(char.IsAsciiHexDigit)) return false;
            target = new VerpTarget(queueId, null, hash.ToLowerInvariant(), tenant);
            return true;
        }
        var last = tail.LastIndexOf('=');
        if (last <= 0 || last == tail.Length - 1) return false;
        if (!TryUnescape(tail[..last], out var recipientLocal) || !TryUnescape(tail[(last + 1)..], out var recipientDomain)) return false;
        target = new VerpTarget(queueId, recipientLocal + "@" + recipientDomain, null, tenant);
        return true;
    }

    /// <summary>The 16 hex digits a too-long recipient is carried as.</summary>
    public static string HashOf(string recipient) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipient)).AsSpan(0, 8));

    private static bool IsKept(char c) => char.IsAsciiLetterOrDigit(c) || Unescaped.Contains(c);

    private static string EscapeField(string field)
    {
        var sb = new StringBuilder(field.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < field.Length; i++)
        {
            var c = field[i];
            var dotOk = c == '.' && i > 0 && i < field.Length - 1 && field[i - 1] != '.';
            if (IsKept(c) || dotOk)
            {
                sb.Append(c);
                continue;
            }
            var length = char.IsSurrogatePair(field, i)
                ? Encoding.UTF8.GetBytes(field.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(field.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length]) sb.Append(Escape).Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    private static bool TryUnescape(string field, out string value)
    {
        value = "";
        if (field.Length == 0) return false;
        var bytes = new List<byte>(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] != Escape)
            {
                if (field[i] > 0x7F) return false;
                bytes.Add((byte)field[i]);
                continue;
            }
            if (i + 2 >= field.Length) return false;
            if (!byte.TryParse(field.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b)) return false;
            bytes.Add(b);
            i += 2;
        }
        try { value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray()); }
        catch (DecoderFallbackException) { return false; }
        return true;
    }
}
