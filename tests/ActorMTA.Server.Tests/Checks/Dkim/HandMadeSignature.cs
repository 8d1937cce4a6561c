using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Signers;

namespace ActorMTA.Server.Tests.Checks.Dkim;

/// <summary>
/// A relaxed/relaxed rsa-sha256 DKIM-Signature built by hand, for what MimeKit's signer does not write (l=).
/// Written from RFC 6376 sections 3.4.2, 3.4.4 and 3.7 independently of MimeKit, so it also cross-checks the verifier.
/// The body must already be in relaxed canonical form (CRLF lines, no trailing whitespace or empty lines).
/// </summary>
internal static class HandMadeSignature
{
    public static string Field(IReadOnlyList<(string Name, string Value)> headers, string body, int? length, AsymmetricKeyParameter key, string domain, string selector)
    {
        var hashed = length is { } l ? body[..l] : body;
        var bh = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(hashed)));
        var names = string.Join(':', headers.Select(h => h.Name.ToLowerInvariant()));
        var value = $"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={selector};{(length is null ? "" : $" l={length};")} h={names}; bh={bh}; b=";

        var input = new StringBuilder();
        foreach (var (name, v) in headers) input.Append(Relaxed(name, v)).Append("\r\n");
        input.Append(Relaxed("DKIM-Signature", value));
        var data = Encoding.ASCII.GetBytes(input.ToString());

        var signer = new RsaDigestSigner(new Sha256Digest());
        signer.Init(true, key);
        signer.BlockUpdate(data, 0, data.Length);
        return "DKIM-Signature: " + value + Convert.ToBase64String(signer.GenerateSignature()) + "\r\n";
    }

    private static string Relaxed(string name, string value) =>
        name.ToLowerInvariant() + ":" + Regex.Replace(value, "[ \t\r\n]+", " ").Trim();
}
