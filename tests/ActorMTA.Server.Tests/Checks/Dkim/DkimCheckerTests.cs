using ActorMTA.Server.Checks.Dkim;
using ActorMTA.Server.Tests.Checks;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dkim;

public sealed class DkimCheckerTests
{
    private static MimeMessage Signed(DkimSigner signer, MimeMessage? message = null)
    {
        message ??= DkimTestKeys.Message();
        signer.Sign(message, DkimTestKeys.SignedHeaders);
        return DkimTestKeys.RoundTrip(message);
    }

    private static MimeMessage Edited(MimeMessage message, string from, string to)
    {
        var text = DkimTestKeys.Text(message);
        Assert.Contains(from, text);
        return DkimTestKeys.Parse(text.Replace(from, to));
    }

    /// <summary>
    /// The one result for a message, checked both ways: by MimeKit's verifier and, over the message's bytes, by
    /// <see cref="DkimRsaSha256Verifier"/> for rsa-sha256. Every test here thus holds the two to the same verdict.
    /// </summary>
    private static async Task<DkimSignatureResult> Single(TableCheckDns dns, MimeMessage message, TimeProvider? time = null)
    {
        var checker = new DkimChecker(dns, time ?? TimeProvider.System);
        var asked = dns.Questions.Count;
        var text = DkimTestKeys.Text(message);
        var overBytes = await checker.VerifyAsync(System.Text.Encoding.UTF8.GetBytes(text), () => DkimTestKeys.Parse(text), CancellationToken.None);
        // The second look asks DNS again (a locator lives for one message); tests count the questions of one look.
        while (dns.Questions.Count > asked) dns.Questions.TryDequeue(out _);
        var results = await checker.VerifyAsync(message, CancellationToken.None);
        Assert.Equal(results, overBytes);
        return Assert.Single(results);
    }

    [Fact]
    public async Task Unsigned_message_has_no_results()
    {
        var results = await new DkimChecker(new TableCheckDns()).VerifyAsync(DkimTestKeys.Message(), CancellationToken.None);
        Assert.Empty(results);
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed)]
    [InlineData(DkimCanonicalizationAlgorithm.Simple)]
    public async Task Rsa_signature_passes(DkimCanonicalizationAlgorithm canonicalization)
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        var message = Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel", canonicalization));

        var result = await Single(dns, message);

        Assert.Equal(new DkimSignatureResult(DkimResult.Pass, "example.com", "sel", "rsa-sha256", null), result);
        // The checker's own look at the key and MimeKit's fetch of it are one DNS question.
        Assert.Equal(["TXT sel._domainkey.example.com"], dns.Questions);
    }

    [Fact]
    public async Task One_byte_changed_in_the_body_fails_on_the_body_hash()
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        var message = Edited(Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")), "Hello there.", "Hello there!");

        var result = await Single(dns, message);

        Assert.Equal(DkimResult.Fail, result.Result);
        Assert.Contains("body hash", result.Reason);
    }

    [Fact]
    public async Task A_signed_header_changed_fails_on_the_signature()
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        var message = Edited(Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")), "Subject: Is dinner ready?", "Subject: Is lunch ready?");

        var result = await Single(dns, message);

        Assert.Equal(DkimResult.Fail, result.Result);
        Assert.Contains("signature did not verify", result.Reason);
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed, DkimResult.Pass)]
    [InlineData(DkimCanonicalizationAlgorithm.Simple, DkimResult.Fail)]
    public async Task Whitespace_changed_in_transit_passes_relaxed_and_fails_simple(DkimCanonicalizationAlgorithm canonicalization, DkimResult expected)
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        var signed = Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel", canonicalization));
        var message = Edited(Edited(signed, "Subject: Is dinner ready?", "Subject:  Is   dinner ready? "), "Second line.", "Second   line.");

        Assert.Equal(expected, (await Single(dns, message)).Result);
    }

    [Fact]
    public async Task Body_length_limit_lets_an_appended_body_pass()
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        const string body = "Hello world.\r\n";
        (string, string)[] headers = [("From", "Joe <joe@example.com>"), ("Subject", "Hi")];
        var head = "From: Joe <joe@example.com>\r\nSubject: Hi\r\n\r\n";
        var limited = HandMadeSignature.Field(headers, body, body.Length, DkimTestKeys.Rsa2048.Private, "example.com", "sel");
        var unlimited = HandMadeSignature.Field(headers, body, null, DkimTestKeys.Rsa2048.Private, "example.com", "sel");

        // Untouched, both verify (the hand-made signature agrees with MimeKit's verifier).
        Assert.Equal(DkimResult.Pass, (await Single(dns, DkimTestKeys.Parse(limited + head + body))).Result);
        Assert.Equal(DkimResult.Pass, (await Single(dns, DkimTestKeys.Parse(unlimited + head + body))).Result);

        const string appended = body + "Appended by a mailing list.\r\n";
        Assert.Equal(DkimResult.Pass, (await Single(dns, DkimTestKeys.Parse(limited + head + appended))).Result);
        Assert.Equal(DkimResult.Fail, (await Single(dns, DkimTestKeys.Parse(unlimited + head + appended))).Result);
    }

    [Fact]
    public async Task Revoked_key_is_a_permerror()
    {
        var dns = new TableCheckDns().Txt("sel._domainkey.example.com", "v=DKIM1; k=rsa; p=");
        var result = await Single(dns, Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")));

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Contains("revoked", result.Reason);
    }

    [Fact]
    public async Task Expired_signature_is_a_permerror()
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        var signer = DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel");
        signer.SignaturesExpireAfter = TimeSpan.FromHours(1);
        var message = Signed(signer);

        var now = await Single(dns, message);
        var later = await Single(dns, message, new FixedTime(DateTimeOffset.UtcNow.AddHours(2)));

        Assert.Equal(DkimResult.Pass, now.Result);
        Assert.Equal(DkimResult.PermError, later.Result);
        Assert.Contains("expired", later.Reason);
    }

    [Fact]
    public async Task Missing_key_is_a_permerror()
    {
        var result = await Single(new TableCheckDns(), Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")));

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Contains("no key record", result.Reason);
    }

    [Fact]
    public async Task Dns_failure_is_a_temperror()
    {
        var dns = new TableCheckDns().Fail("sel._domainkey.example.com");
        var result = await Single(dns, Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")));

        Assert.Equal(DkimResult.TempError, result.Result);
    }

    [Fact]
    public async Task Every_signature_is_reported_one_good_one_bad()
    {
        // "bad" signs with one key while DNS publishes another under its selector.
        var dns = new TableCheckDns()
            .Publish("example.com", "good", DkimTestKeys.Rsa2048)
            .Publish("list.example.org", "bad", DkimTestKeys.Rsa2048Other);
        var message = DkimTestKeys.Message();
        DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "good").Sign(message, DkimTestKeys.SignedHeaders);
        DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "list.example.org", "bad").Sign(message, DkimTestKeys.SignedHeaders);

        var results = await new DkimChecker(dns).VerifyAsync(DkimTestKeys.RoundTrip(message), CancellationToken.None);

        Assert.Equal(2, results.Count);
        Assert.Contains(results, r => r is { Result: DkimResult.Pass, Domain: "example.com", Selector: "good" });
        Assert.Contains(results, r => r is { Result: DkimResult.Fail, Domain: "list.example.org", Selector: "bad" });
    }

    [Fact]
    public async Task Ed25519_signature_with_the_rfc_8463_key_passes()
    {
        var dns = new TableCheckDns().Txt("brisbane._domainkey.football.example.com", DkimTestKeys.Ed25519Rfc8463Record);
        var message = Signed(DkimTestKeys.Signer(DkimTestKeys.Ed25519Rfc8463, "football.example.com", "brisbane"));

        Assert.Equal(new DkimSignatureResult(DkimResult.Pass, "football.example.com", "brisbane", "ed25519-sha256", null), await Single(dns, message));
    }

    [Fact]
    public async Task Ed25519_signature_with_a_generated_key_passes_and_fails_when_tampered()
    {
        var pair = DkimTestKeys.NewEd25519();
        var dns = new TableCheckDns().Publish("example.com", "ed", pair);
        var message = Signed(DkimTestKeys.Signer(pair, "example.com", "ed"));

        Assert.Equal(DkimResult.Pass, (await Single(dns, message)).Result);
        Assert.Equal(DkimResult.Fail, (await Single(dns, Edited(message, "Subject: Is dinner", "Subject: Was dinner"))).Result);
    }

    [Fact]
    public async Task Rfc_8463_appendix_a_example_verifies()
    {
        const string text =
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n" +
            " d=football.example.com; i=@football.example.com;\r\n" +
            " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n" +
            " subject : date : message-id : from : subject : date;\r\n" +
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" +
            " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n" +
            " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n" +
            "From: Joe SixPack <joe@football.example.com>\r\n" +
            "To: Suzie Q <suzie@shopping.example.net>\r\n" +
            "Subject: Is dinner ready?\r\n" +
            "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" +
            "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n" +
            "\r\n" +
            "Hi.\r\n" +
            "\r\n" +
            "We lost the game.  Are you hungry yet?\r\n" +
            "\r\n" +
            "Joe.\r\n";
        var dns = new TableCheckDns().Txt("brisbane._domainkey.football.example.com", DkimTestKeys.Ed25519Rfc8463Record);

        Assert.Equal(new DkimSignatureResult(DkimResult.Pass, "football.example.com", "brisbane", "ed25519-sha256", null), await Single(dns, DkimTestKeys.Parse(text)));
    }

    [Fact]
    public async Task Rsa_sha1_is_not_accepted()
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);
        var signer = new DkimSigner(DkimTestKeys.Rsa2048.Private, "example.com", "sel", DkimSignatureAlgorithm.RsaSha1);

        var result = await Single(dns, Signed(signer));

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Equal("rsa-sha1", result.Algorithm);
        Assert.Contains("RFC 8301", result.Reason);
    }

    [Fact]
    public async Task Rsa_key_under_1024_bits_is_not_accepted()
    {
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa768);
        var result = await Single(dns, Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa768, "example.com", "sel")));

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Contains("768 bits", result.Reason);
    }

    [Fact]
    public async Task Key_of_the_wrong_type_is_a_permerror()
    {
        var dns = new TableCheckDns().Txt("sel._domainkey.example.com", DkimTestKeys.Ed25519Rfc8463Record);
        var result = await Single(dns, Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")));

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Contains("k=ed25519", result.Reason);
    }

    [Fact]
    public async Task Key_in_testing_mode_still_passes_and_says_so()
    {
        var dns = new TableCheckDns().Txt("sel._domainkey.example.com", DkimTestKeys.Record(DkimTestKeys.Rsa2048) + "; t=y");
        var result = await Single(dns, Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")));

        Assert.Equal(DkimResult.Pass, result.Result);
        Assert.Contains("t=y", result.Reason);
    }

    [Fact]
    public async Task Pkcs1_rsa_key_record_is_accepted_and_a_txt_that_is_not_a_key_is_skipped()
    {
        var rsa = (RsaKeyParameters)DkimTestKeys.Rsa2048.Public;
        var pkcs1 = new RsaPublicKeyStructure(rsa.Modulus, rsa.Exponent).GetEncoded();
        var dns = new TableCheckDns().Txt("sel._domainkey.example.com", "some verification token", "k=rsa; p=" + Convert.ToBase64String(pkcs1));

        var result = await Single(dns, Signed(DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel")));

        Assert.Equal(DkimResult.Pass, result.Result);
    }

    [Fact]
    public async Task Signatures_beyond_the_limit_are_reported_neutral_unchecked()
    {
        var pair = DkimTestKeys.NewEd25519();
        var dns = new TableCheckDns().Publish("example.com", "ed", pair);
        var message = DkimTestKeys.Message();
        for (var i = 0; i < DkimChecker.MaxSignatures + 2; i++) DkimTestKeys.Signer(pair, "example.com", "ed").Sign(message, DkimTestKeys.SignedHeaders);

        var results = await new DkimChecker(dns).VerifyAsync(DkimTestKeys.RoundTrip(message), CancellationToken.None);

        Assert.Equal(DkimChecker.MaxSignatures + 2, results.Count);
        Assert.All(results.Take(DkimChecker.MaxSignatures), r => Assert.Equal(DkimResult.Pass, r.Result));
        Assert.All(results.Skip(DkimChecker.MaxSignatures), r => Assert.Equal((DkimResult.Neutral, "example.com"), (r.Result, r.Domain)));
    }

    [Fact]
    public async Task Strict_key_requires_the_identity_domain_to_equal_d()
    {
        var dns = new TableCheckDns().Txt("sel._domainkey.example.com", DkimTestKeys.Record(DkimTestKeys.Rsa2048) + "; t=s");
        var signer = DkimTestKeys.Signer(DkimTestKeys.Rsa2048, "example.com", "sel");
        signer.AgentOrUserIdentifier = "joe@sub.example.com";

        var result = await Single(dns, Signed(signer));

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Contains("t=s", result.Reason);
    }

    [Theory]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA; d=other.com", "twice")]
    [InlineData("v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA", "version")]
    [InlineData("v=1; a=rsa-sha512; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA", "algorithm")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=sel; h=subject; bh=AAAA; b=AAAA", "From is not signed")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA", "missing b=")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA; i=joe@example.org", "not within")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA; t=200; x=100", "before t=")]
    public async Task Malformed_signatures_are_permerrors_naming_their_signer(string field, string reason)
    {
        var message = DkimTestKeys.Parse($"DKIM-Signature: {field}\r\nFrom: joe@example.com\r\nSubject: x\r\n\r\nbody\r\n");
        var dns = new TableCheckDns().Publish("example.com", "sel", DkimTestKeys.Rsa2048);

        var result = await Single(dns, message);

        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Equal("example.com", result.Domain);
        Assert.Contains(reason, result.Reason);
        Assert.Empty(dns.Questions);
    }
}
