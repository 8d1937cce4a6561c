using System.Diagnostics;
using ActorMTA.Protocol.Bounces;
using Xunit;

namespace ActorMTA.Protocol.Tests.Bounces;

public sealed class BounceClassifierTests
{
    private static BounceRule Rule(BounceCategory category, string? code = null, string? status = null, string? text = null) =>
        new(category, code, status, text, "test");

    [Fact]
    public void The_first_matching_rule_wins()
    {
        var classifier = new BounceClassifier([
            Rule(BounceCategory.AuthenticationFailure, text: "unauthenticated"),
            Rule(BounceCategory.SpamRelated, text: "spam"),
        ]);

        Assert.Equal(BounceCategory.AuthenticationFailure,
            classifier.Classify(550, "5.7.26", "This mail has been blocked because the sender is unauthenticated. To protect our users from spam ..."));
        Assert.Equal(BounceCategory.SpamRelated, classifier.Classify(550, "5.7.1", "rejected as spam"));
    }

    [Fact]
    public void Operator_rules_are_tried_before_shipped_ones()
    {
        var shipped = new[] { Rule(BounceCategory.InvalidRecipient, status: "5.1.1") };
        var operatorRules = new[] { Rule(BounceCategory.PolicyRelated, text: "mx[.]partner[.]example") };
        var classifier = BounceClassifier.Of(operatorRules, shipped);

        Assert.Equal(BounceCategory.PolicyRelated, classifier.Classify(550, "5.1.1", "<a@b> rejected by mx.partner.example"));
        Assert.Equal(BounceCategory.InvalidRecipient, classifier.Classify(550, "5.1.1", "<a@b> no such user"));
    }

    [Fact]
    public void Every_criterion_a_rule_gives_must_hold()
    {
        var classifier = new BounceClassifier([Rule(BounceCategory.MailboxFull, code: "452", status: "4.2.2", text: "over quota")]);

        Assert.Equal(BounceCategory.MailboxFull, classifier.Classify(452, "4.2.2", "The email account that you tried to reach is OVER QUOTA."));
        // Each miss falls through to the RFC 3463 fallback, which for 4.2.2 agrees, so use a status it would not.
        Assert.Equal(BounceCategory.Uncategorized, classifier.Classify(452, "4.3.2", "over quota"));
        Assert.Equal(BounceCategory.MailboxFull, classifier.Classify(552, "4.2.2", "over quota")); // fallback, not the rule
        Assert.Null(classifier.Explain(552, "4.2.2", "over quota").Rule);
        Assert.Null(classifier.Explain(452, "4.2.2", "mailbox unavailable").Rule);
    }

    [Theory]
    [InlineData("5", 550, true)]
    [InlineData("5", 451, false)]
    [InlineData("4xx", 421, true)]
    [InlineData("550", 550, true)]
    [InlineData("550", 554, false)]
    public void A_code_is_exact_or_a_class(string code, int reply, bool matches) =>
        Assert.Equal(matches, Rule(BounceCategory.PolicyRelated, code: code).Matches(reply, null, ""));

    [Theory]
    [InlineData("5.7.", "5.7.1", true)]
    [InlineData("5.7.", "5.7.26", true)]
    [InlineData("5.7.", "4.7.1", false)]
    [InlineData("5.1.1", "5.1.10", false)]
    [InlineData("5.1.1", "5.1.1", true)]
    [InlineData("X.2.2", "4.2.2", true)]
    [InlineData("X.2.2", "5.2.2", true)]
    [InlineData("X.2.2", "5.2.20", false)]
    [InlineData("x.7.", "4.7.28", true)]
    public void A_status_is_exact_a_prefix_or_any_class(string status, string reported, bool matches) =>
        Assert.Equal(matches, Rule(BounceCategory.PolicyRelated, status: status).Matches(550, reported, ""));

    [Theory]
    [InlineData("5.1.1", BounceCategory.InvalidRecipient)]
    [InlineData("5.1.2", BounceCategory.BadDomain)]
    [InlineData("5.1.10", BounceCategory.BadDomain)] // RFC 7505 null MX
    [InlineData("5.2.1", BounceCategory.InvalidRecipient)]
    [InlineData("4.2.2", BounceCategory.MailboxFull)]
    [InlineData("5.2.3", BounceCategory.MessageTooLarge)]
    [InlineData("5.3.4", BounceCategory.MessageTooLarge)]
    [InlineData("4.4.1", BounceCategory.ConnectionTimeout)]
    [InlineData("4.4.2", BounceCategory.ConnectionTimeout)]
    [InlineData("5.4.4", BounceCategory.RoutingError)]
    [InlineData("5.4.6", BounceCategory.RoutingError)]
    [InlineData("4.4.7", BounceCategory.Expired)]
    [InlineData("5.5.2", BounceCategory.ProtocolError)]
    [InlineData("5.7.1", BounceCategory.PolicyRelated)]
    [InlineData("5.7.8", BounceCategory.AuthenticationFailure)]
    [InlineData("5.7.23", BounceCategory.AuthenticationFailure)] // RFC 7372 SPF validation failed
    [InlineData("5.7.26", BounceCategory.AuthenticationFailure)]
    [InlineData("4.3.2", BounceCategory.Uncategorized)]
    [InlineData("5.0.0", BounceCategory.Uncategorized)]
    public void Without_a_matching_rule_the_enhanced_status_decides(string status, BounceCategory expected) =>
        Assert.Equal(expected, BounceClassifier.Fallback.Classify(int.Parse(status[..1]) * 100 + 50, status, "no rule knows this text"));

    [Fact]
    public void Without_rule_or_status_a_reply_is_uncategorized() =>
        Assert.Equal(BounceCategory.Uncategorized, BounceClassifier.Fallback.Classify(550, null, "Go away"));

    [Fact]
    public void An_enhanced_status_at_the_start_of_the_text_is_used_when_none_is_given()
    {
        Assert.Equal(BounceCategory.MailboxFull, BounceClassifier.Fallback.Classify(552, null, "5.2.2 <a@b>: user is over quota"));
        Assert.Equal(BounceCategory.Uncategorized, BounceClassifier.Fallback.Classify(550, null, "5.2.2x not a code"));
    }

    [Fact]
    public void A_reply_code_only_reaches_rules_that_admit_it()
    {
        var classifier = new BounceClassifier([Rule(BounceCategory.ProtocolError, code: "501"), Rule(BounceCategory.SpamRelated, code: "5", text: "spam")]);

        Assert.Equal(BounceCategory.ProtocolError, classifier.Classify(501, null, "spam"));
        Assert.Equal(BounceCategory.SpamRelated, classifier.Classify(554, null, "spam"));
        Assert.Equal(BounceCategory.Uncategorized, classifier.Classify(421, null, "spam"));
        Assert.Equal(BounceCategory.Uncategorized, classifier.Classify(0, null, "spam")); // a DSN without a reply code
        Assert.Equal(BounceCategory.Uncategorized, classifier.Classify(999, null, "spam"));
    }

    [Fact]
    public void A_pattern_that_runs_too_long_does_not_match_and_does_not_stall()
    {
        var classifier = new BounceClassifier([Rule(BounceCategory.SpamRelated, text: "^(a+)+$")]);
        var evil = new string('a', 40) + "!";

        var watch = Stopwatch.StartNew();
        var category = classifier.Classify(550, "5.1.1", evil);

        Assert.Equal(BounceCategory.InvalidRecipient, category);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(null, null, null, "test", "at least one of code, status, text")]
    [InlineData("55", null, null, "test", "code: '55'")]
    [InlineData("650", null, null, "test", "code: '650'")]
    [InlineData(null, "5.1", null, "test", "status: '5.1'")]
    [InlineData(null, "7.1.1", null, "test", "status: '7.1.1'")]
    [InlineData(null, null, "(unclosed", "test", "text: '(unclosed'")]
    [InlineData("550", null, null, " ", "source:")]
    public void A_malformed_rule_says_which_field_is_wrong(string? code, string? status, string? text, string source, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new BounceRule(BounceCategory.PolicyRelated, code, status, text, source));
        Assert.Contains(expected, e.Message);
    }
}
