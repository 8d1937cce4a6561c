using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>One signing key of a domain: what <see cref="DkimKeyStore"/> found or generated.</summary>
public sealed class DkimKey
{
    internal DkimKey(string domain, string selector, DkimKeyAlgorithm algorithm, DateTimeOffset createdUtc,
        AsymmetricKeyParameter privateKey, string file)
    {
        Domain = domain;
        Selector = selector;
        Algorithm = algorithm;
        CreatedUtc = createdUtc;
        PrivateKey = privateKey;
        File = file;
        Record = new DkimTxtRecord(domain, selector, algorithm, PublicKeyData(algorithm, privateKey));
    }

    public string Domain { get; }
    public string Selector { get; }
    public DkimKeyAlgorithm Algorithm { get; }
    public DateTimeOffset CreatedUtc { get; }

    /// <summary>The key size: the RSA modulus (2048 for generated keys, whatever an imported key has), or 256 for Ed25519.</summary>
    public int KeyBits => PrivateKey is RsaPrivateCrtKeyParameters rsa ? rsa.Modulus.BitLength : 256;

    /// <summary>The PEM file that holds the private key.</summary>
    public string File { get; }

    /// <summary>The TXT record that must be published for receivers to verify this key's signatures.</summary>
    public DkimTxtRecord Record { get; }

    // Internal so that the private key leaves the assembly only through the PEM file the operator owns.
    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>The p= data: for RSA the DER SubjectPublicKeyInfo (RFC 6376 section 3.6.1), for Ed25519 the bare
    /// 32-byte public key (RFC 8463 section 4.2), not an SPKI.</summary>
    private static byte[] PublicKeyData(DkimKeyAlgorithm algorithm, AsymmetricKeyParameter privateKey) => (algorithm, privateKey) switch
    {
        (DkimKeyAlgorithm.Rsa, RsaPrivateCrtKeyParameters rsa) =>
            SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)).GetDerEncoded(),
        (DkimKeyAlgorithm.Ed25519, Ed25519PrivateKeyParameters ed) => ed.GeneratePublicKey().GetEncoded(),
        _ => throw new ArgumentException($"a {privateKey.GetType().Name} is not a {algorithm.Name()} private key", nameof(privateKey)),
    };
}
