using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace ActorMTA.Integration.Tests.Spam;

/// <summary>
/// The DNS of the spam-filtering tests, served by a real dnsmasq: SPF, DMARC and DKIM records of a few sender domains,
/// a DNS blocklist zone and reverse DNS. Each sender domain is used by one test, with its own client address.
/// </summary>
public sealed class SpamZone
{
    public const string Selector = "sel";
    public const string BlocklistZone = "bl.test";

    private SpamZone(AsymmetricCipherKeyPair signing, AsymmetricCipherKeyPair forwarder)
    {
        SigningKey = signing;
        ForwarderKey = forwarder;
    }

    /// <summary>The DKIM key of signed.test and quarantine-signed.test (selector "sel"), published below.</summary>
    public AsymmetricCipherKeyPair SigningKey { get; }

    /// <summary>The ARC/DKIM key of forwarder.test (selector "sel").</summary>
    public AsymmetricCipherKeyPair ForwarderKey { get; }

    public static SpamZone Create() => new(NewRsaKey(), NewRsaKey());

    private static AsymmetricCipherKeyPair NewRsaKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        return generator.GenerateKeyPair();
    }

    /// <summary>The dnsmasq configuration; <paramref name="closedPort"/> is where temp.test is forwarded (queries time out).</summary>
    public string Config(int closedPort) => $"""
        local=/test/
        # SPF pass from 127.0.0.5 (which also has forward-confirmed reverse DNS), DMARC reject.
        txt-record=pass.test,"v=spf1 ip4:127.0.0.5 -all"
        txt-record=_dmarc.pass.test,"v=DMARC1; p=reject"
        ptr-record=5.0.0.127.in-addr.arpa,mx.pass.test
        address=/mx.pass.test/127.0.0.5
        # SPF fail for everyone but 127.0.0.99, DMARC reject: unaligned mail is refused.
        txt-record=fail.test,"v=spf1 ip4:127.0.0.99 -all"
        txt-record=_dmarc.fail.test,"v=DMARC1; p=reject"
        txt-record=soft.test,"v=spf1 ~all"
        txt-record=perm.test,"v=spf1 include:missing.test -all"
        server=/temp.test/127.0.0.1#{closedPort}
        # DMARC quarantine with SPF fail: the message goes to Junk.
        txt-record=quarantine.test,"v=spf1 -all"
        txt-record=_dmarc.quarantine.test,"v=DMARC1; p=quarantine"
        # DKIM-signed senders: SPF fails for everybody, so only an aligned DKIM pass satisfies their DMARC reject.
        txt-record=signed.test,"v=spf1 -all"
        txt-record=_dmarc.signed.test,"v=DMARC1; p=reject"
        txt-record={Selector}._domainkey.signed.test,{TxtStrings(KeyRecord(SigningKey))}
        # The forwarder: SPF passes for its own address 127.0.0.30, and it seals ARC with its key.
        txt-record=forwarder.test,"v=spf1 ip4:127.0.0.30 -all"
        txt-record={Selector}._domainkey.forwarder.test,{TxtStrings(KeyRecord(ForwarderKey))}
        # The blocklist names 127.0.0.2 (RFC 5782 test address style).
        address=/2.0.0.127.{BlocklistZone}/127.0.0.2
        """;

    /// <summary>v=DKIM1 record text of a key: the public key as base64 SubjectPublicKeyInfo.</summary>
    public static string KeyRecord(AsymmetricCipherKeyPair key) =>
        "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.Public).GetDerEncoded());

    // dnsmasq takes a TXT record's character-strings comma-separated, each at most 255 octets.
    private static string TxtStrings(string value)
    {
        var parts = new List<string>();
        for (var i = 0; i < value.Length; i += 200) parts.Add("\"" + value.Substring(i, Math.Min(200, value.Length - i)) + "\"");
        return string.Join(",", parts);
    }

    /// <summary>A plain text message from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static MimeMessage Message(string from, string to, string subject, string body = "Hello there.\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Date = DateTimeOffset.Now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test");
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>Signs <paramref name="message"/> for <paramref name="domain"/> with <paramref name="key"/> (relaxed/relaxed, rsa-sha256).</summary>
    public static void Sign(MimeMessage message, string domain, AsymmetricCipherKeyPair key)
    {
        var signer = new DkimSigner(key.Private, domain, Selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
    }

    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default.Clone() is var o ? Crlf(o) : FormatOptions.Default, stream);
        return stream.ToArray();
    }

    private static FormatOptions Crlf(FormatOptions options)
    {
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
