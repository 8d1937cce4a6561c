using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using BcPemReader = Org.BouncyCastle.OpenSsl.PemReader;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>Making private keys and reading and writing them as PEM, in the forms OpenSSL and OpenDKIM use too, so
/// an operator can inspect a key with <c>openssl pkey</c> or bring one from another signer.</summary>
internal static class DkimPrivateKeys
{
    public const int RsaBits = 2048;

    public static AsymmetricKeyParameter Generate(DkimKeyAlgorithm algorithm)
    {
        switch (algorithm)
        {
            case DkimKeyAlgorithm.Rsa:
                {
                    // The platform's RSA (OpenSSL) makes a 2048-bit key many times faster than BouncyCastle's generator.
                    using var rsa = RSA.Create(RsaBits);
                    return PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey());
                }
            case DkimKeyAlgorithm.Ed25519:
                {
                    var generator = new Ed25519KeyPairGenerator();
                    generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
                    return generator.GenerateKeyPair().Private;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null);
        }
    }

    /// <summary>PKCS#8 "PRIVATE KEY" PEM, the form <c>openssl genpkey</c> writes for both key types.</summary>
    public static string ToPem(AsymmetricKeyParameter privateKey)
    {
        var info = privateKey is Ed25519PrivateKeyParameters ed
            // BouncyCastle's own encoding is the version 2 form with the public key inside, which OpenSSL 3.0 does not
            // read; the version 1 form (RFC 8410 section 7) is what openssl genpkey writes.
            ? new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(ed.GetEncoded()))
            : PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey);
        return PemEncoding.WriteString("PRIVATE KEY", info.GetDerEncoded()) + "\n";
    }

    /// <summary>Reads PKCS#8 ("PRIVATE KEY") and PKCS#1 ("RSA PRIVATE KEY", what opendkim-genkey writes).</summary>
    /// <exception cref="FormatException">No unencrypted RSA or Ed25519 private key in the text.</exception>
    public static AsymmetricKeyParameter FromPem(string pem)
    {
        object? read;
        try
        {
            read = new BcPemReader(new StringReader(pem)).ReadObject();
        }
        catch (Exception e) when (e is IOException or Org.BouncyCastle.OpenSsl.PasswordException or ArgumentException or InvalidCastException)
        {
            throw new FormatException($"not a readable private key PEM ({e.Message})", e);
        }
        var key = read switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter parameter => parameter,
            _ => null,
        };
        if (key is null || !key.IsPrivate)
            throw new FormatException("no private key in the PEM (an encrypted key must be decrypted first)");
        AlgorithmOf(key);
        return key;
    }

    /// <exception cref="FormatException">A private key DKIM cannot sign with (EC, DSA, ...).</exception>
    public static DkimKeyAlgorithm AlgorithmOf(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        RsaPrivateCrtKeyParameters => DkimKeyAlgorithm.Rsa,
        Ed25519PrivateKeyParameters => DkimKeyAlgorithm.Ed25519,
        _ => throw new FormatException($"a {privateKey.GetType().Name} cannot sign DKIM: only RSA and Ed25519 keys can"),
    };
}
