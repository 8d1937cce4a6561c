using ActorMTA.Server.Tests.Checks;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace ActorMTA.Server.Tests.Checks.Dkim;

/// <summary>
/// Keys made once per test run (RSA generation takes a while) and the TXT records that publish them, plus a signer
/// shortcut. Shared by the DKIM and ARC tests.
/// </summary>
internal static class DkimTestKeys
{
    private static readonly Lazy<AsymmetricCipherKeyPair> Rsa2048Pair = new(() => Rsa(2048));
    private static readonly Lazy<AsymmetricCipherKeyPair> Rsa2048OtherPair = new(() => Rsa(2048));
    private static readonly Lazy<AsymmetricCipherKeyPair> Rsa768Pair = new(() => Rsa(768));

    public static AsymmetricCipherKeyPair Rsa2048 => Rsa2048Pair.Value;
    public static AsymmetricCipherKeyPair Rsa2048Other => Rsa2048OtherPair.Value;
    public static AsymmetricCipherKeyPair Rsa768 => Rsa768Pair.Value;

    /// <summary>RFC 8463 appendix A (the RFC 8032 test vector 1 key pair).</summary>
    public static AsymmetricCipherKeyPair Ed25519Rfc8463
    {
        get
        {
            var priv = new Ed25519PrivateKeyParameters(Convert.FromBase64String("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="), 0);
            return new AsymmetricCipherKeyPair(priv.GeneratePublicKey(), priv);
        }
    }

    public const string Ed25519Rfc8463Record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    public static AsymmetricCipherKeyPair NewEd25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    }

    /// <summary>The key record for a pair: RSA as SubjectPublicKeyInfo, ed25519 as the bare 32 bytes (RFC 8463).</summary>
    public static string Record(AsymmetricCipherKeyPair pair) => pair.Public switch
    {
        Ed25519PublicKeyParameters ed => "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(ed.GetEncoded()),
        _ => "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded()),
    };

    public static TableCheckDns Publish(this TableCheckDns dns, string domain, string selector, AsymmetricCipherKeyPair pair) =>
        dns.Txt($"{selector}._domainkey.{domain}", Record(pair));

    public static DkimSigner Signer(AsymmetricCipherKeyPair pair, string domain, string selector,
        DkimCanonicalizationAlgorithm canonicalization = DkimCanonicalizationAlgorithm.Relaxed) =>
        new(pair.Private, domain, selector, pair.Public is Ed25519PublicKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = canonicalization,
            BodyCanonicalizationAlgorithm = canonicalization,
        };

    public static readonly HeaderId[] SignedHeaders = [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId];

    public static MimeMessage Message(string from = "Joe <joe@example.com>", string body = "Hello there.\r\nSecond line.\r\n")
    {
        var text = $"From: {from}\r\nTo: suzie@example.net\r\nSubject: Is dinner ready?\r\nDate: Fri, 11 Jul 2003 21:00:37 -0700\r\nMessage-ID: <1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}";
        return Parse(text);
    }

    public static MimeMessage Parse(string text)
    {
        using var stream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text));
        return MimeMessage.Load(stream);
    }

    /// <summary>The message written and read back, as a receiver sees it after transit.</summary>
    public static MimeMessage RoundTrip(MimeMessage message) => Parse(Text(message));

    public static string Text(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default.CloneWithDos(), stream);
        return System.Text.Encoding.ASCII.GetString(stream.ToArray());
    }

    private static FormatOptions CloneWithDos(this FormatOptions options)
    {
        var clone = options.Clone();
        clone.NewLineFormat = NewLineFormat.Dos;
        return clone;
    }

    private static AsymmetricCipherKeyPair Rsa(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
        return generator.GenerateKeyPair();
    }
}
