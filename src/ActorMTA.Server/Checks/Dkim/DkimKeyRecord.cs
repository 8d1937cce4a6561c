using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// A DKIM key record (RFC 6376 section 3.6.1, RFC 8463 for k=ed25519) as published at
/// <c>selector._domainkey.domain</c>. A record with an empty <c>p=</c> is a revoked key: it parses, with
/// <see cref="Key"/> null and <see cref="Revoked"/> set, so the verdict can say "revoked" rather than "no key".
/// </summary>
public sealed record DkimKeyRecord(
    string KeyType,
    AsymmetricKeyParameter? Key,
    IReadOnlyList<string>? HashAlgorithms,
    IReadOnlyList<string> ServiceTypes,
    bool Testing,
    bool StrictIdentity)
{
    public bool Revoked => Key is null;

    // The key in the platform's RSA, made on first use: importing it costs several verifications' worth of CPU, and
    // the record is shared by every message signed with it (DkimKeyRecordCache).
    private readonly Lazy<System.Security.Cryptography.RSA?> _platformRsa = new(() => Key is RsaKeyParameters rsa
        ? System.Security.Cryptography.RSA.Create(new System.Security.Cryptography.RSAParameters
        {
            Modulus = rsa.Modulus.ToByteArrayUnsigned(),
            Exponent = rsa.Exponent.ToByteArrayUnsigned(),
        })
        : null);

    /// <summary>Whether the key is an RSA key the platform's RSA can check signatures with.</summary>
    public bool HasRsaKey => Key is RsaKeyParameters;

    /// <summary>An RSASSA-PKCS1-v1_5 SHA-256 signature of <paramref name="hash"/> checked with the platform's RSA.</summary>
    public bool VerifyRsaSha256(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        var rsa = _platformRsa.Value ?? throw new InvalidOperationException("not an RSA key");
        // One RSA object serves every thread; .NET does not promise its instance methods are thread-safe.
        lock (rsa)
        {
            return rsa.VerifyHash(hash, signature, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        }
    }

    /// <summary>RSA modulus size in bits, 0 for other key types.</summary>
    public int RsaBits => Key is RsaKeyParameters rsa ? rsa.Modulus.BitLength : 0;

    /// <summary>Whether the record allows the hash of a signature algorithm (h= absent allows all).</summary>
    public bool AllowsHash(string hash) => HashAlgorithms is null || HashAlgorithms.Contains(hash, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the key may sign mail: s= absent, "*" or "email".</summary>
    public bool AllowsEmail => ServiceTypes.Any(s => s == "*" || s.Equals("email", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses one TXT string; null (with why) when it is not a usable key record.</summary>
    public static DkimKeyRecord? Parse(string txt, out string? error)
    {
        var tags = TagList.Parse(txt, StringComparer.Ordinal, out error);
        if (tags is null) return null;

        // RFC 6376 3.6.1: v= is optional, but when present it is first and DKIM1; other records are discarded.
        var v = tags["v"];
        if (v is not null && (tags.Tags[0].Key != "v" || v != "DKIM1"))
        {
            error = v == "DKIM1" ? "v=DKIM1 is not the first tag" : $"not a DKIM key record (v={v})";
            return null;
        }

        var k = (tags["k"] ?? "rsa").ToLowerInvariant();
        if (k is not ("rsa" or "ed25519"))
        {
            error = $"unknown key type k={k}";
            return null;
        }

        var p = tags["p"];
        if (p is null)
        {
            error = "no p= tag";
            return null;
        }

        var hashes = tags["h"] is { } h ? TagList.SplitList(h) : null;
        var services = tags["s"] is { } s ? TagList.SplitList(s) : ["*"];
        var flags = tags["t"] is { } t ? TagList.SplitList(t) : [];
        var testing = flags.Contains("y");
        var strict = flags.Contains("s");

        p = TagList.Compact(p);
        if (p.Length == 0)
        {
            error = null;
            return new DkimKeyRecord(k, null, hashes, services, testing, strict);
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(p);
        }
        catch (FormatException)
        {
            error = "p= is not base64";
            return null;
        }

        var key = k == "ed25519" ? Ed25519(data, out error) : Rsa(data, out error);
        return key is null ? null : new DkimKeyRecord(k, key, hashes, services, testing, strict);
    }

    private static AsymmetricKeyParameter? Ed25519(byte[] data, out string? error)
    {
        // RFC 8463 section 4: p= is the bare 32-byte public key, not a SubjectPublicKeyInfo.
        if (data.Length != Ed25519PublicKeyParameters.KeySize)
        {
            error = $"ed25519 key of {data.Length} bytes, not {Ed25519PublicKeyParameters.KeySize}";
            return null;
        }

        error = null;
        return new Ed25519PublicKeyParameters(data, 0);
    }

    private static AsymmetricKeyParameter? Rsa(byte[] data, out string? error)
    {
        error = null;
        try
        {
            // RFC 6376 3.6.1 specifies SubjectPublicKeyInfo; a bare PKCS#1 RSAPublicKey is published by some
            // tools and accepted by the common verifiers, so it is accepted here too.
            var asn1 = Asn1Sequence.GetInstance(data);
            if (asn1.Count == 2 && asn1[0] is DerInteger modulus && asn1[1] is DerInteger exponent)
                return new RsaKeyParameters(false, modulus.PositiveValue, exponent.PositiveValue);
            var key = PublicKeyFactory.CreateKey(SubjectPublicKeyInfo.GetInstance(asn1));
            if (key is RsaKeyParameters { IsPrivate: false }) return key;
            error = "p= does not hold an RSA public key";
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or SecurityUtilityException or InvalidCastException)
        {
            error = "p= is not a valid RSA public key";
            return null;
        }
    }
}
