namespace ActorMTA.Protocol.Imap;

/// <summary>
/// What SORT and THREAD compare of one message (RFC 5256 section 3, RFC 5957 section 3), extracted from it
/// beforehand. <see cref="Number"/> is what the response lists (sequence number or UID); <see cref="Sequence"/>
/// breaks ties. Address values are those of the first address of the field; empty when there is none.
/// </summary>
public sealed record SortFields(
    uint Sequence,
    uint Number,
    DateTimeOffset Arrival,
    DateTimeOffset Date,
    long Size,
    string Subject,
    string From,
    string To,
    string Cc,
    string DisplayFrom,
    string DisplayTo)
{
    /// <summary>RFC 5957 section 3: the decoded display name, else addr-mailbox@addr-host, else empty.</summary>
    public static string DisplayValue(string? displayName, string? address) =>
        !string.IsNullOrWhiteSpace(displayName) ? displayName.Trim() : address ?? "";

    /// <summary>RFC 5256 FROM/TO/CC: the addr-mailbox (local part) of an address.</summary>
    public static string Mailbox(string? address)
    {
        if (string.IsNullOrEmpty(address)) return "";
        var at = address.LastIndexOf('@');
        return at < 0 ? address : address[..at];
    }
}
