using System.Text;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>
/// The DNS record that publishes a signing key: <c>selector._domainkey.domain</c> TXT <c>v=DKIM1; k=...; p=...</c>.
/// </summary>
public sealed class DkimTxtRecord
{
    /// <summary>One character-string of a TXT record holds at most 255 octets (RFC 1035 section 3.3); a
    /// 2048-bit RSA key does not fit in one, and verifiers join the strings without separator (RFC 6376 section 3.6.2.2).</summary>
    public const int MaxStringLength = 255;

    public DkimTxtRecord(string domain, string selector, DkimKeyAlgorithm algorithm, byte[] publicKeyData)
    {
        Name = $"{selector}._domainkey.{domain}";
        Value = $"v=DKIM1; k={algorithm.Name()}; p={Convert.ToBase64String(publicKeyData)}";
    }

    /// <summary>The owner name, without the trailing dot.</summary>
    public string Name { get; }

    /// <summary>The whole record value as one line, for DNS providers' forms that take a single string.</summary>
    public string Value { get; }

    /// <summary>The value cut into character-strings of at most <see cref="MaxStringLength"/> characters.</summary>
    public IReadOnlyList<string> Strings => Value.Chunk(MaxStringLength).Select(chunk => new string(chunk)).ToList();

    /// <summary>The record in zone-file syntax: <c>name. IN TXT ( "..." "..." )</c>. The value holds no quote or
    /// backslash (tags, base64 and "; "), so the strings need no escaping.</summary>
    public string ZoneFileLine
    {
        get
        {
            var line = new StringBuilder().Append(Name).Append(". IN TXT (");
            foreach (var s in Strings) line.Append(" \"").Append(s).Append('"');
            return line.Append(" )").ToString();
        }
    }

    public override string ToString() => ZoneFileLine;
}
