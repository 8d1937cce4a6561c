using System.Text.RegularExpressions;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace ActorMTA.Server.Tests.Checks.Signing;

/// <summary>
/// Answers DKIM key questions from records in the zone-file text the key store prints (<c>name. IN TXT ( "..." "..." )</c>),
/// the way a receiver would after the operator pasted that text into the zone: the strings are joined and MimeKit
/// parses the key. So a signature that verifies through it proves the printed record right, not only the key.
/// </summary>
public sealed partial class ZoneFileKeyLocator : DkimPublicKeyLocatorBase
{
    private readonly Dictionary<string, string> _records = new(StringComparer.OrdinalIgnoreCase);

    public ZoneFileKeyLocator(params string[] zoneFileLines)
    {
        foreach (var line in zoneFileLines)
        {
            var match = ZoneLine().Match(line);
            if (!match.Success) throw new FormatException($"not a TXT record in zone-file syntax: {line}");
            var strings = match.Groups["string"].Captures.Select(c => c.Value).ToList();
            if (strings.Any(s => s.Length > 255)) throw new FormatException($"a character-string longer than 255: {line}");
            _records[match.Groups["name"].Value] = string.Concat(strings);
        }
    }

    /// <summary>The joined value published for <paramref name="name"/> (no trailing dot).</summary>
    public string ValueOf(string name) => _records[name];

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        _records.TryGetValue($"{selector}._domainkey.{domain}", out var value)
            ? GetPublicKey(value)
            : throw new KeyNotFoundException($"no record for {selector}._domainkey.{domain}");

    public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));

    [GeneratedRegex("""^(?<name>[^\s]+)\. IN TXT \((?: "(?<string>[^"]*)")+ \)$""")]
    private static partial Regex ZoneLine();
}
