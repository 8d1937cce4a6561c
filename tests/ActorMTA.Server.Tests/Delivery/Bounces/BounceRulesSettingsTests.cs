using ActorMTA.Protocol.Bounces;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Bounces;

public sealed class BounceRulesSettingsTests
{
    private static BounceRulesSettings Read(string? overrides = null) => BounceRulesSettings.FromConfig(NodeConfig.ActorMta(overrides));

    [Fact]
    public void The_shipped_rules_load_and_each_cites_a_source()
    {
        var s = Read();

        Assert.Empty(s.ExtraRules);
        Assert.True(s.ShippedRules.Count >= 40, $"{s.ShippedRules.Count} rules");
        Assert.All(s.ShippedRules, r => Assert.False(string.IsNullOrWhiteSpace(r.Source)));
        var categories = s.ShippedRules.Select(r => r.Category).ToHashSet();
        Assert.All(Enum.GetValues<BounceCategory>().Where(c => c != BounceCategory.Uncategorized), c => Assert.Contains(c, categories));
        Assert.Equal(s.ShippedRules, s.Classifier.Rules);
    }

    [Fact]
    public void Extra_rules_are_tried_before_the_shipped_ones()
    {
        var s = Read("""
            actormta.bounces.extra-rules = [
              { category = PolicyRelated, code = 550, text = "gsmtp", source = "our own judgement, ticket 17" }
            ]
            """);
        const string gmailNoSuchUser = "5.1.1 The email account that you tried to reach does not exist. - gsmtp";

        Assert.Single(s.ExtraRules);
        Assert.Equal(BounceCategory.PolicyRelated, s.Classifier.Classify(550, null, gmailNoSuchUser));
        Assert.Equal(BounceCategory.InvalidRecipient, Read().Classifier.Classify(550, null, gmailNoSuchUser));
    }

    [Fact]
    public void An_operator_can_drop_the_shipped_rules()
    {
        var s = Read("actormta.bounces.rules = []");

        Assert.Empty(s.ShippedRules);
        // Only the RFC 3463 fallback is left.
        Assert.Equal(BounceCategory.PolicyRelated, s.Classifier.Classify(550, "5.7.1", "part of their network is on our block list (S3150)"));
    }

    [Theory]
    [InlineData("""actormta.bounces.extra-rules = [ { category = Nonsense, code = 550, source = "x" } ]""", "actormta.bounces.extra-rules[0] (source \"x\").category: 'Nonsense' is not one of")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = 3, code = 550, source = "x" } ]""", ".category: '3' is not one of")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = SpamRelated, code = 550 } ]""", "actormta.bounces.extra-rules[0]: source:")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = SpamRelated, source = "x" } ]""", "needs at least one of code, status, text")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = SpamRelated, source = "ok", code = 550 }, { category = SpamRelated, code = 55, source = "y" } ]""", "actormta.bounces.extra-rules[1] (source \"y\"): code: '55'")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = SpamRelated, status = "5.7", source = "x" } ]""", "status: '5.7'")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = SpamRelated, text = "([a-z", source = "x" } ]""", "text: '([a-z' is not a regular expression")]
    [InlineData("""actormta.bounces.extra-rules = [ { category = SpamRelated, txt = "spam", source = "x" } ]""", "txt: unknown key")]
    [InlineData("""actormta.bounces.extra-rules = { a = 1 }""", "actormta.bounces.extra-rules must be a list of rules")]
    [InlineData("""actormta.bounces.extra-rule = []""", "actormta.bounces.extra-rule: unknown key")]
    [InlineData("""actormta.bounces.verp-local-part = "bounce+s" """, "actormta.bounces.verp-local-part")]
    [InlineData("""actormta.bounces.verp-local-part = "a-very-long-local-part-for-bounces" """, "actormta.bounces.verp-local-part: 'a-very-long-local-part-for-bounces' is too long")]
    public void A_bad_rule_or_setting_is_a_configuration_error_naming_it(string overrides, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Read(overrides));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Verp_is_off_by_default_and_writes_at_the_primary_domain()
    {
        var s = Read();

        Assert.False(s.Verp);
        Assert.Equal("bounces", s.VerpLocalPart);
        Assert.Null(s.VerpDomain);
        Assert.Empty(s.FeedbackAddresses);
        Assert.Equal("bounces+01JB2Q8M3X=a=b.example@here.example", s.VerpAddressFor("here.example").Encode("01JB2Q8M3X", "a@b.example"));
    }

    [Fact]
    public void Verp_settings_are_read()
    {
        var s = Read("""
            actormta.bounces { verp = on, verp-local-part = "rp", verp-domain = "bounce.example.com" }
            """);

        Assert.True(s.Verp);
        var verp = s.VerpAddressFor("ignored.example");
        var address = verp.Encode("01JB2Q8M3X", "a+b@c.example");
        Assert.Equal("rp+01JB2Q8M3X=a+b=c.example@bounce.example.com", address);
        Assert.True(verp.TryDecode(address, out var target));
        Assert.Equal(("01JB2Q8M3X", "a+b@c.example"), (target.QueueId, target.Recipient));
    }

    [Fact]
    public void Feedback_addresses_are_read_in_lower_case()
    {
        var s = Read("""actormta.bounces.feedback-addresses = ["FBL@Example.ORG", "jmrp@example.org"]""");

        Assert.Equal(["fbl@example.org", "jmrp@example.org"], s.FeedbackAddresses);
    }
}
