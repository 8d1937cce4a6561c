using ActorMTA.Server.Checks.Dkim;
using ActorMTA.Server.Checks.Dmarc;
using ActorMTA.Server.Tests.Checks.Dkim;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dmarc;

public sealed class DmarcEvaluatorTests
{
    private static readonly PublicSuffixList Psl = PublicSuffixList.Load(PublicSuffixList.DebianPath);

    private static DkimSignatureResult Dkim(string domain, DkimResult result = DkimResult.Pass) => new(result, domain, "sel", "rsa-sha256", null);

    private static DmarcEvaluator Evaluator(TableCheckDns dns, double random = 0.0) => new(dns, Psl, () => random);

    private static Task<DmarcOutcome> Evaluate(TableCheckDns dns, string author, string? spfDomain, bool spfPass, params DkimSignatureResult[] dkim) =>
        Evaluator(dns).EvaluateAsync(author, spfDomain, spfPass, dkim, CancellationToken.None);

    [Fact]
    public async Task No_record_is_none_after_asking_the_author_then_the_organizational_domain()
    {
        var dns = new TableCheckDns();
        var outcome = await Evaluate(dns, "mail.example.com", "mail.example.com", true);

        Assert.Equal(DmarcResult.None, outcome.Result);
        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
        Assert.Null(outcome.PolicyDomain);
        Assert.True(outcome.SpfAligned);
        Assert.Equal(["TXT _dmarc.mail.example.com", "TXT _dmarc.example.com"], dns.Questions);
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject", DmarcPolicy.Reject)]
    [InlineData("v=DMARC1; p=quarantine", DmarcPolicy.Quarantine)]
    [InlineData("v=DMARC1; p=none", DmarcPolicy.None)]
    public async Task Unaligned_message_fails_with_the_published_policy(string record, DmarcPolicy policy)
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", record);
        var outcome = await Evaluate(dns, "example.com", "bounce.example.org", true, Dkim("example.org"));

        Assert.Equal(
            (DmarcResult.Fail, policy, policy, "example.com", "example.com", false, false, false),
            (outcome.Result, outcome.AppliedPolicy, outcome.PublishedPolicy, outcome.AuthorDomain, outcome.PolicyDomain, outcome.SpfAligned, outcome.DkimAligned, outcome.SampledOut));
        Assert.Empty(outcome.ReportUris);
    }

    [Fact]
    public async Task Aligned_dkim_passes_with_no_policy_applied()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com");
        var outcome = await Evaluate(dns, "example.com", null, false, Dkim("example.com"));

        Assert.Equal(DmarcResult.Pass, outcome.Result);
        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
        Assert.Equal(DmarcPolicy.Reject, outcome.PublishedPolicy);
        Assert.True(outcome.DkimAligned);
        Assert.False(outcome.SpfAligned);
        Assert.Equal(["mailto:d@example.com"], outcome.ReportUris);
    }

    [Fact]
    public async Task Only_passing_signatures_and_passing_spf_count()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        var outcome = await Evaluate(dns, "example.com", "example.com", false, Dkim("example.com", DkimResult.Fail), Dkim("example.com", DkimResult.TempError));

        Assert.Equal(DmarcResult.Fail, outcome.Result);
        Assert.Equal(DmarcPolicy.Reject, outcome.AppliedPolicy);
    }

    // RFC 7489 appendix B.1.1 (SPF) and B.1.2 (DKIM): exact names align both ways, a parent/child pair only relaxed,
    // another organizational domain never.
    [Theory]
    [InlineData("example.com", "example.com", "r", true)]
    [InlineData("example.com", "example.com", "s", true)]
    [InlineData("child.example.com", "example.com", "r", true)]
    [InlineData("child.example.com", "example.com", "s", false)]
    [InlineData("example.com", "child.example.com", "r", true)]
    [InlineData("example.com", "child.example.com", "s", false)]
    [InlineData("example.org", "example.com", "r", false)]
    [InlineData("sender.example.net", "example.com", "r", false)]
    [InlineData("EXAMPLE.com.", "example.COM", "s", true)]
    public async Task Spf_and_dkim_alignment(string identifier, string author, string mode, bool aligned)
    {
        var dns = new TableCheckDns().Txt("_dmarc." + Psl.OrganizationalDomain(author), $"v=DMARC1; p=reject; aspf={mode}; adkim={mode}");

        var spf = await Evaluate(dns, author, identifier, true);
        var dkim = await Evaluate(dns, author, null, false, Dkim(identifier.ToLowerInvariant().TrimEnd('.')));

        Assert.Equal(aligned, spf.SpfAligned);
        Assert.Equal(aligned, dkim.DkimAligned);
        Assert.Equal(aligned ? DmarcResult.Pass : DmarcResult.Fail, spf.Result);
        Assert.Equal(aligned ? DmarcResult.Pass : DmarcResult.Fail, dkim.Result);
    }

    [Fact]
    public async Task Relaxed_alignment_uses_the_public_suffix_list()
    {
        // co.uk is a public suffix: a.example.co.uk and b.other.co.uk are different organizations.
        var dns = new TableCheckDns().Txt("_dmarc.example.co.uk", "v=DMARC1; p=reject");

        Assert.Equal(DmarcResult.Pass, (await Evaluate(dns, "example.co.uk", "mail.example.co.uk", true)).Result);
        Assert.Equal(DmarcResult.Fail, (await Evaluate(dns, "example.co.uk", "other.co.uk", true)).Result);
    }

    [Fact]
    public async Task Subdomain_without_a_record_takes_the_organizational_record_and_its_sp()
    {
        // RFC 7489 appendix B.1.3 / B.2.4: the policy at example.com, with sp= for its subdomains.
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com");

        var outcome = await Evaluate(dns, "mail.example.com", "other.example.net", true);

        Assert.Equal(DmarcResult.Fail, outcome.Result);
        Assert.Equal(DmarcPolicy.Quarantine, outcome.PublishedPolicy);
        Assert.Equal(DmarcPolicy.Quarantine, outcome.AppliedPolicy);
        Assert.Equal("example.com", outcome.PolicyDomain);
        Assert.Equal("mail.example.com", outcome.AuthorDomain);
    }

    [Fact]
    public async Task Subdomain_without_sp_takes_p()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var outcome = await Evaluate(dns, "a.b.example.com", null, false);

        Assert.Equal(DmarcPolicy.Reject, outcome.AppliedPolicy);
        Assert.Equal("example.com", outcome.PolicyDomain);
    }

    [Fact]
    public async Task Subdomain_with_its_own_record_ignores_the_parents_sp_and_uses_its_own_p()
    {
        var dns = new TableCheckDns()
            .Txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=reject")
            .Txt("_dmarc.mail.example.com", "v=DMARC1; p=none; sp=reject");

        var outcome = await Evaluate(dns, "mail.example.com", null, false);

        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
        Assert.Equal("mail.example.com", outcome.PolicyDomain);
        Assert.Equal(["TXT _dmarc.mail.example.com"], dns.Questions);
    }

    [Theory]
    [InlineData(DmarcPolicy.Reject, DmarcPolicy.Quarantine)]
    [InlineData(DmarcPolicy.Quarantine, DmarcPolicy.None)]
    public async Task Pct_0_never_applies_the_policy_but_steps_it_down(DmarcPolicy published, DmarcPolicy applied)
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", $"v=DMARC1; p={published.ToString().ToLowerInvariant()}; pct=0");

        var outcome = await Evaluator(dns, random: 0.0).EvaluateAsync("example.com", null, false, [], CancellationToken.None);

        Assert.Equal(DmarcResult.Fail, outcome.Result);
        Assert.Equal(published, outcome.PublishedPolicy);
        Assert.Equal(applied, outcome.AppliedPolicy);
        Assert.True(outcome.SampledOut);
    }

    [Theory]
    [InlineData(0.0, DmarcPolicy.Reject, false)]
    [InlineData(0.49, DmarcPolicy.Reject, false)]
    [InlineData(0.5, DmarcPolicy.Quarantine, true)]
    [InlineData(0.99, DmarcPolicy.Quarantine, true)]
    public async Task Pct_50_samples_with_the_injected_random_source(double random, DmarcPolicy applied, bool sampledOut)
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");

        var outcome = await Evaluator(dns, random).EvaluateAsync("example.com", null, false, [], CancellationToken.None);

        Assert.Equal(applied, outcome.AppliedPolicy);
        Assert.Equal(sampledOut, outcome.SampledOut);
    }

    [Fact]
    public async Task Passing_messages_are_not_sampled()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");
        var outcome = await new DmarcEvaluator(dns, Psl, () => throw new InvalidOperationException("no sampling on pass"))
            .EvaluateAsync("example.com", "example.com", true, [], CancellationToken.None);

        Assert.Equal(DmarcResult.Pass, outcome.Result);
        Assert.False(outcome.SampledOut);
    }

    [Fact]
    public async Task Multiple_records_mean_no_dmarc_and_no_fallback()
    {
        var dns = new TableCheckDns()
            .Txt("_dmarc.mail.example.com", "v=DMARC1; p=reject", "v=DMARC1; p=none")
            .Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var outcome = await Evaluate(dns, "mail.example.com", null, false);

        Assert.Equal(DmarcResult.None, outcome.Result);
        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
        Assert.Contains("2 DMARC records", outcome.Reason);
        Assert.Equal(["TXT _dmarc.mail.example.com"], dns.Questions);
    }

    [Fact]
    public async Task Other_txt_records_beside_the_dmarc_record_are_ignored()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "google-site-verification=abc", "v=DMARC1; p=quarantine");

        Assert.Equal(DmarcPolicy.Quarantine, (await Evaluate(dns, "example.com", null, false)).AppliedPolicy);
    }

    [Fact]
    public async Task Dns_failure_at_the_author_domain_is_a_temperror()
    {
        var dns = new TableCheckDns().Fail("_dmarc.example.com");

        var outcome = await Evaluate(dns, "example.com", null, false);

        Assert.Equal(DmarcResult.TempError, outcome.Result);
        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
    }

    [Fact]
    public async Task Dns_failure_at_the_organizational_domain_is_a_temperror()
    {
        var dns = new TableCheckDns().Fail("_dmarc.example.com");

        var outcome = await Evaluate(dns, "mail.example.com", null, false);

        Assert.Equal(DmarcResult.TempError, outcome.Result);
        Assert.Equal("example.com", outcome.PolicyDomain);
    }

    [Fact]
    public async Task Record_without_policy_but_with_rua_is_p_none_and_still_reports()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=bogus; rua=mailto:d@example.com");

        var outcome = await Evaluate(dns, "example.com", null, false);

        Assert.Equal(DmarcResult.Fail, outcome.Result);
        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
        Assert.Equal(["mailto:d@example.com"], outcome.ReportUris);
        Assert.Contains("p=none", outcome.Reason);
    }

    [Fact]
    public async Task Record_without_policy_or_rua_is_a_permerror()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=bogus");

        var outcome = await Evaluate(dns, "example.com", null, false);

        Assert.Equal(DmarcResult.PermError, outcome.Result);
        Assert.Equal(DmarcPolicy.None, outcome.AppliedPolicy);
    }

    [Fact]
    public async Task Rfc_7489_appendix_b_2_1_entire_domain_monitoring()
    {
        var dns = new TableCheckDns().Txt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");

        var pass = await Evaluate(dns, "example.com", "example.com", true, Dkim("example.com"));
        var fail = await Evaluate(dns, "example.com", "example.net", true, Dkim("example.net"));

        Assert.Equal((DmarcResult.Pass, DmarcPolicy.None), (pass.Result, pass.AppliedPolicy));
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.None), (fail.Result, fail.AppliedPolicy));
        Assert.Equal(["mailto:dmarc-feedback@example.com"], fail.ReportUris);
    }

    [Theory]
    [InlineData("From: Joe <joe@Example.COM>\r\n", "example.com", null)]
    [InlineData("From: joe@example.com, ann@example.org\r\n", null, "2 addresses")]
    [InlineData("From: joe@example.com\r\nFrom: ann@example.org\r\n", null, "2 From fields")]
    [InlineData("Sender: joe@example.com\r\n", null, "no From field")]
    [InlineData("From: undisclosed:;\r\n", null, "no address")]
    public void Author_domain_needs_exactly_one_from_address(string headers, string? domain, string? problem)
    {
        var message = DkimTestKeys.Parse(headers + "Subject: x\r\n\r\nbody\r\n");

        Assert.Equal(domain, DmarcEvaluator.AuthorDomain(message, out var why));
        if (problem is null) Assert.Null(why);
        else Assert.Contains(problem, why);

        // The same answer from the stored header fields, as the checks take it when they do not parse the message.
        var (fields, _) = ActorMTA.Server.Checks.Dkim.RawHeaderField.Split(System.Text.Encoding.UTF8.GetBytes(headers + "Subject: x\r\n\r\nbody\r\n"));
        Assert.Equal(domain, DmarcEvaluator.AuthorDomain(fields, out var whyRaw));
        Assert.Equal(why, whyRaw);
    }
}
