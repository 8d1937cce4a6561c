using ActorMTA.Server.Checks.Dmarc;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dmarc;

public sealed class DmarcRecordTests
{
    private static DmarcRecord Parse(string txt)
    {
        var record = DmarcRecord.Parse(txt, out var error);
        Assert.True(record is not null, error);
        return record;
    }

    [Fact]
    public void Defaults_of_a_minimal_record()
    {
        var record = Parse("v=DMARC1; p=none");

        Assert.Equal(
            (DmarcPolicy.None, (DmarcPolicy?)null, DmarcAlignment.Relaxed, DmarcAlignment.Relaxed, 100, 86400L, false),
            (record.Policy, record.SubdomainPolicy, record.DkimAlignment, record.SpfAlignment, record.Percent, record.Interval, record.PolicyDefaulted));
        Assert.Empty(record.AggregateUris);
        Assert.Empty(record.FailureUris);
        Assert.Equal(["0"], record.FailureOptions);
    }

    [Fact]
    public void Every_tag_is_read()
    {
        var record = Parse("v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s; pct=30; rua=mailto:a@example.com; ruf=mailto:f@example.com; fo=1:d:s; ri=3600; rf=afrf");

        Assert.Equal(DmarcPolicy.Reject, record.Policy);
        Assert.Equal(DmarcPolicy.Quarantine, record.SubdomainPolicy);
        Assert.Equal(DmarcAlignment.Strict, record.DkimAlignment);
        Assert.Equal(DmarcAlignment.Strict, record.SpfAlignment);
        Assert.Equal(30, record.Percent);
        Assert.Equal(["mailto:a@example.com"], record.AggregateUris);
        Assert.Equal(["mailto:f@example.com"], record.FailureUris);
        Assert.Equal(["1", "d", "s"], record.FailureOptions);
        Assert.Equal(3600, record.Interval);
        Assert.False(record.PolicyDefaulted);
    }

    [Theory]
    [InlineData("v=DMARC1; p=none", DmarcPolicy.None)]
    [InlineData("v=DMARC1; p=quarantine", DmarcPolicy.Quarantine)]
    [InlineData("v=DMARC1; p=reject", DmarcPolicy.Reject)]
    [InlineData("v=DMARC1;p=REJECT", DmarcPolicy.Reject)]
    [InlineData("v = DMARC1 ; P = Quarantine ;", DmarcPolicy.Quarantine)]
    public void Policy_tag(string txt, DmarcPolicy expected) => Assert.Equal(expected, Parse(txt).Policy);

    [Theory]
    [InlineData("v=DMARC1; p=none; adkim=x; aspf=relaxed; pct=150; ri=-1; fo=9", 100)]
    [InlineData("v=DMARC1; p=none; pct=abc", 100)]
    [InlineData("v=DMARC1; p=none; pct=0", 0)]
    [InlineData("v=DMARC1; p=none; pct=50", 50)]
    public void Malformed_optional_tags_fall_back_to_defaults(string txt, int percent)
    {
        var record = Parse(txt);

        Assert.Equal(percent, record.Percent);
        Assert.Equal(DmarcAlignment.Relaxed, record.DkimAlignment);
        Assert.Equal(DmarcAlignment.Relaxed, record.SpfAlignment);
        Assert.Equal(DmarcRecord.DefaultInterval, record.Interval);
        Assert.Equal(["0"], record.FailureOptions);
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1")]
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("v=spf1 -all")]
    [InlineData("v=dmarc1; p=reject")]
    public void Not_a_dmarc_record_unless_v_DMARC1_comes_first(string txt)
    {
        Assert.False(DmarcRecord.IsDmarc(txt));
        Assert.Null(DmarcRecord.Parse(txt, out _));
    }

    [Theory]
    [InlineData("v=DMARC1; rua=mailto:r@example.com")]
    [InlineData("v=DMARC1; p=block; rua=mailto:r@example.com")]
    [InlineData("v=DMARC1; p=reject; sp=nope; rua=mailto:r@example.com")]
    public void Invalid_or_missing_policy_with_a_valid_rua_is_read_as_p_none(string txt)
    {
        var record = Parse(txt);

        Assert.Equal(DmarcPolicy.None, record.Policy);
        Assert.Null(record.SubdomainPolicy);
        Assert.True(record.PolicyDefaulted);
        Assert.Equal(["mailto:r@example.com"], record.AggregateUris);
    }

    [Theory]
    [InlineData("v=DMARC1")]
    [InlineData("v=DMARC1; p=block")]
    [InlineData("v=DMARC1; p=block; rua=not a uri")]
    [InlineData("v=DMARC1; p=reject; sp=nope")]
    public void Invalid_or_missing_policy_without_a_valid_rua_is_unusable(string txt)
    {
        Assert.Null(DmarcRecord.Parse(txt, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Rfc_7489_appendix_b_2_3_report_uris_with_a_size_limit()
    {
        var record = Parse("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m; pct=25");

        Assert.Equal(DmarcPolicy.Quarantine, record.Policy);
        Assert.Equal(25, record.Percent);
        Assert.Equal(["mailto:dmarc-feedback@example.com", "mailto:tld-test@thirdparty.example.net"], record.AggregateUris);
    }

    [Fact]
    public void Rfc_7489_appendix_b_2_2_failure_reports_to_a_third_party()
    {
        var record = Parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; ruf=mailto:auth-reports@thirdparty.example.net");

        Assert.Equal(["mailto:dmarc-feedback@example.com"], record.AggregateUris);
        Assert.Equal(["mailto:auth-reports@thirdparty.example.net"], record.FailureUris);
    }

    [Fact]
    public void Unknown_tags_and_parts_without_a_value_are_ignored_and_the_first_of_a_repeated_tag_wins()
    {
        var record = Parse("v=DMARC1; p=reject; np=none; psd=y; junk; p=none");

        Assert.Equal(DmarcPolicy.Reject, record.Policy);
    }
}
