using System.Net;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MimeKit;
using MimeKit.Cryptography;
using Xunit;

namespace ActorMTA.Integration.Tests.Spam;

/// <summary>
/// SPF, DKIM, DMARC, ARC and the DNS blocklist end to end: real sockets from distinct 127.0.0.x client addresses, a real
/// dnsmasq serving the records, the verdict read back over IMAP.
/// </summary>
public sealed class SpamFilterTests(SpamFixture fixture) : IClassFixture<SpamFixture>
{
    private static string AuthResults(MimeMessage m) => m.Headers[HeaderId.AuthenticationResults] ?? "";

    [Fact]
    public async Task Spf_pass_from_an_authorised_address_is_delivered_with_its_results()
    {
        var reply = await fixture.SendAsync("127.0.0.5", "alice@pass.test", SpamZone.Message("alice@pass.test", SpamFixture.User.Address, "spf-pass"));
        Assert.Equal(250, reply.Code);
        var stored = await fixture.FindAsync("INBOX", "spf-pass");
        var results = AuthResults(stored);
        Assert.StartsWith(ServerProcess.HostName + ";", results.TrimStart());
        Assert.Contains("spf=pass smtp.mailfrom=alice@pass.test", results);
        Assert.Contains("dmarc=pass", results);
        Assert.Contains("iprev=pass", results);
        Assert.StartsWith("pass", stored.Headers["Received-SPF"]?.Trim() ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("No, score=", stored.Headers["X-Spam-Status"]?.Trim());
    }

    [Fact]
    public async Task Spf_fail_without_aligned_dkim_under_dmarc_reject_is_refused_at_end_of_data()
    {
        var reply = await fixture.SendAsync("127.0.0.6", "bob@fail.test", SpamZone.Message("bob@fail.test", SpamFixture.User.Address, "spf-fail"));
        Assert.Equal(550, reply.Code);
        Assert.Equal("5.7.1", reply.EnhancedCode);
        Assert.Contains("DMARC", reply.ToString());
        Assert.DoesNotContain(await fixture.FolderAsync("INBOX"), m => m.Subject == "spf-fail");
    }

    [Fact]
    public async Task Spf_softfail_is_delivered_and_says_so()
    {
        var reply = await fixture.SendAsync("127.0.0.7", "carol@soft.test", SpamZone.Message("carol@soft.test", SpamFixture.User.Address, "spf-softfail"));
        Assert.Equal(250, reply.Code);
        var stored = await fixture.FindAsync("INBOX", "spf-softfail");
        Assert.Contains("spf=softfail", AuthResults(stored));
        Assert.Contains("SPF_SOFTFAIL", stored.Headers["X-Spam-Status"]);
    }

    [Fact]
    public async Task Spf_permerror_is_delivered_and_says_so()
    {
        var reply = await fixture.SendAsync("127.0.0.8", "dave@perm.test", SpamZone.Message("dave@perm.test", SpamFixture.User.Address, "spf-permerror"));
        Assert.Equal(250, reply.Code);
        Assert.Contains("spf=permerror", AuthResults(await fixture.FindAsync("INBOX", "spf-permerror")));
    }

    [Fact]
    public async Task Spf_temperror_when_dns_times_out_never_rejects()
    {
        var reply = await fixture.SendAsync("127.0.0.9", "erin@temp.test", SpamZone.Message("erin@temp.test", SpamFixture.User.Address, "spf-temperror"));
        Assert.Equal(250, reply.Code);
        Assert.Contains("spf=temperror", AuthResults(await fixture.FindAsync("INBOX", "spf-temperror")));
    }

    [Fact]
    public async Task Dkim_signed_message_passes_and_satisfies_dmarc_despite_spf_fail()
    {
        var message = SpamZone.Message("frank@signed.test", SpamFixture.User.Address, "dkim-pass");
        SpamZone.Sign(message, "signed.test", fixture.Zone.SigningKey);
        var reply = await fixture.SendAsync("127.0.0.10", "frank@signed.test", message);
        Assert.Equal(250, reply.Code);
        var results = AuthResults(await fixture.FindAsync("INBOX", "dkim-pass"));
        Assert.Contains("dkim=pass header.d=signed.test header.s=sel", results);
        Assert.Contains("spf=fail", results);
        Assert.Contains("dmarc=pass", results);
    }

    [Theory]
    [InlineData(200 * 1024)] // kept in memory until its verdict is known, then written once with the fields
    [InlineData(400 * 1024)] // past the in-memory limit: spooled to its file, then copied with the fields
    public async Task A_large_signed_message_is_stored_whole_with_its_verdict(int bodySize)
    {
        var line = new string('z', 76) + "\r\n";
        var body = string.Concat(Enumerable.Repeat(line, bodySize / line.Length));
        var subject = "dkim-large-" + bodySize;
        var message = SpamZone.Message("frank@signed.test", SpamFixture.User.Address, subject, body);
        SpamZone.Sign(message, "signed.test", fixture.Zone.SigningKey);
        var reply = await fixture.SendAsync("127.0.0.10", "frank@signed.test", message);
        Assert.Equal(250, reply.Code);
        var stored = await fixture.FindAsync("INBOX", subject);
        Assert.Contains("dkim=pass header.d=signed.test", AuthResults(stored));
        Assert.Equal(body.Replace("\r\n", "\n"), ((TextPart)stored.Body).Text.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task A_body_changed_by_one_byte_fails_dkim_and_then_dmarc_reject_refuses_it()
    {
        var message = SpamZone.Message("grace@signed.test", SpamFixture.User.Address, "dkim-broken", "Pay 100 euros.\r\n");
        SpamZone.Sign(message, "signed.test", fixture.Zone.SigningKey);
        var bytes = SpamZone.Bytes(message);
        var text = Encoding.ASCII.GetString(bytes);
        var at = text.IndexOf("Pay 100", StringComparison.Ordinal);
        bytes[at + 4] = (byte)'9';
        var reply = await fixture.SendBytesAsync("127.0.0.11", "grace@signed.test", bytes);
        Assert.Equal(550, reply.Code);
        Assert.Equal("5.7.1", reply.EnhancedCode);
    }

    [Fact]
    public async Task Dmarc_quarantine_lands_in_junk()
    {
        var reply = await fixture.SendAsync("127.0.0.12", "heidi@quarantine.test", SpamZone.Message("heidi@quarantine.test", SpamFixture.User.Address, "dmarc-quarantine"));
        Assert.Equal(250, reply.Code);
        var junk = await fixture.FindAsync("Junk", "dmarc-quarantine");
        Assert.Contains("dmarc=fail", AuthResults(junk));
        Assert.StartsWith("Yes", junk.Headers["X-Spam-Status"]?.Trim());
        Assert.DoesNotContain(await fixture.FolderAsync("INBOX"), m => m.Subject == "dmarc-quarantine");
    }

    [Fact]
    public async Task A_forwarded_message_with_a_valid_arc_chain_keeps_arc_pass()
    {
        // signed.test's message, forwarded by forwarder.test, which changed the subject (breaking the DKIM signature)
        // after recording in its ARC set that the original passed.
        var message = SpamZone.Message("ivan@signed.test", SpamFixture.User.Address, "arc-forwarded");
        SpamZone.Sign(message, "signed.test", fixture.Zone.SigningKey);
        message.Subject = "arc-forwarded";
        var sealer = new ForwarderArcSigner(fixture.Zone.ForwarderKey);
        await sealer.SignAsync(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        var reply = await fixture.SendAsync("127.0.0.30", "list@forwarder.test", message);
        Assert.Equal(250, reply.Code);
        Assert.Contains("arc=pass", AuthResults(await fixture.FindAsync("INBOX", "arc-forwarded")));
    }

    [Fact]
    public async Task A_client_on_the_blocklist_is_refused_at_rcpt_naming_the_list()
    {
        await using var smtp = await SmtpConversation.OpenAsync(fixture.Server.Ports.Smtp, localAddress: IPAddress.Parse("127.0.0.2"));
        SmtpConversation.Expect(await smtp.CommandAsync("EHLO listed.test"), 250);
        SmtpConversation.Expect(await smtp.CommandAsync("MAIL FROM:<x@pass.test>"), 250);
        var rcpt = await smtp.CommandAsync($"RCPT TO:<{SpamFixture.User.Address}>");
        Assert.Equal(554, rcpt.Code);
        Assert.Equal("5.7.1", rcpt.EnhancedCode);
        Assert.Contains(SpamZone.BlocklistZone, rcpt.ToString());
        // The session stays usable: DATA without a recipient is a sequence error, not a crash.
        Assert.Equal(503, (await smtp.CommandAsync("DATA")).Code);
    }

    [Fact]
    public async Task Authentication_results_claiming_our_name_from_outside_are_removed()
    {
        var message = SpamZone.Message("judy@pass.test", SpamFixture.User.Address, "forged-results");
        message.Headers.Add("Authentication-Results", ServerProcess.HostName + "; spf=pass smtp.mailfrom=forged@example.test");
        message.Headers.Add("Authentication-Results", "other.example; dkim=pass header.d=kept.test");
        var reply = await fixture.SendAsync("127.0.0.5", "judy@pass.test", message);
        Assert.Equal(250, reply.Code);
        var stored = await fixture.FindAsync("INBOX", "forged-results");
        var all = stored.Headers.Where(h => h.Id == HeaderId.AuthenticationResults).Select(h => h.Value).ToList();
        Assert.DoesNotContain(all, v => v.Contains("forged@example.test"));
        Assert.Contains(all, v => v.Contains("kept.test"));
        Assert.Equal(2, all.Count);
    }

    /// <summary>forwarder.test's ARC sealer: its ARC-Authentication-Results record what it saw (the original's DKIM pass).</summary>
    private sealed class ForwarderArcSigner(Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair key)
        : ArcSigner(key.Private, "forwarder.test", SpamZone.Selector)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var results = new AuthenticationResults("mx.forwarder.test");
            results.Results.Add(new AuthenticationMethodResult("dkim", "pass") { });
            results.Results.Add(new AuthenticationMethodResult("dmarc", "pass"));
            return results;
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }
}
