using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Tests.Greylisting;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class AutomationTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SiteKey YahooSite = SiteKey.From(["mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"]);
    private static readonly SiteKey AolSite = SiteKey.From(["mx-aol.mail.gm0.yahoodns.net"]);
    private static readonly SiteKey SmallSite = SiteKey.From(["mx.small.example"]);
    private static readonly SmtpReply Ts04 = new(421, "4.7.0", "[TS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints");

    private static ShapingSettings Settings(string? overrides = null) => ShapingSettings.FromConfig(NodeConfig.ActorMta(overrides));

    private static AutomationRules Rules(string automation) =>
        ShapingSettings.FromConfig(ConfigurationFactory.ParseString($$"""
            actormta.shaping {
              providers { yahoo { match = [".yahoodns.net"] } }
              automation = {{automation}}
            }
            """)).Automation;

    [Fact]
    public void A_rule_matches_on_the_reply_code()
    {
        var rules = Rules("""[ { match-code = 421, action = suspend, duration = 1m } ]""");

        Assert.Single(rules.Match(new SmtpReply(421, null, "busy"), null));
        Assert.Empty(rules.Match(new SmtpReply(451, null, "busy"), null));
    }

    [Fact]
    public void A_rule_matches_on_the_enhanced_code()
    {
        var rules = Rules("""[ { match-enhanced = "4.7.28", action = suspend, duration = 1m } ]""");

        Assert.Single(rules.Match(new SmtpReply(421, "4.7.28", "unusual rate"), null));
        Assert.Empty(rules.Match(new SmtpReply(421, "4.7.0", "unusual rate"), null));
        Assert.Empty(rules.Match(new SmtpReply(421, null, "4.7.28 in the text is not the enhanced code"), null));
    }

    [Fact]
    public void A_rule_matches_on_a_regex_over_the_text_lines()
    {
        var rules = Rules("""[ { match-text = "(?i)\\[TS0[34]\\]", action = suspend, duration = 1m } ]""");

        Assert.Single(rules.Match(new SmtpReply(421, "4.7.0", ["Messages from 192.0.2.1", "deferred [ts03] see help"]), null));
        Assert.Single(rules.Match(Ts04, null));
        Assert.Empty(rules.Match(new SmtpReply(421, "4.7.0", "[TS02] deferred"), null));
    }

    [Fact]
    public void Every_criterion_given_must_hold_and_a_provider_rule_only_sees_its_provider()
    {
        var rules = Rules("""[ { match-code = 421, match-enhanced = "4.7.0", match-text = "TS04", provider = yahoo, action = suspend, duration = 1m } ]""");

        Assert.Single(rules.Match(Ts04, "yahoo"));
        Assert.Empty(rules.Match(Ts04, "gmail"));
        Assert.Empty(rules.Match(Ts04, null));
        Assert.Empty(rules.Match(new SmtpReply(451, "4.7.0", Ts04.Lines), "yahoo"));
        Assert.Empty(rules.Match(new SmtpReply(421, "4.7.1", Ts04.Lines), "yahoo"));
        Assert.Empty(rules.Match(new SmtpReply(421, "4.7.0", "[TS03]"), "yahoo"));
    }

    [Fact]
    public void The_shipped_yahoo_ts04_rule_suspends_every_yahoo_site_for_that_source_for_two_hours_then_expires()
    {
        var settings = Settings();
        var resolver = new ShapingResolver(settings);
        var clock = new ManualClock(Start);
        var state = new AutomationState(settings.Automation, clock);

        var started = state.OnReply("a", YahooSite, "yahoo", Ts04);

        var action = Assert.Single(started);
        Assert.Equal((AutomationScope.Provider, "yahoo", "a", Start + TimeSpan.FromHours(2)), (action.Scope, action.Target, action.Source, action.Until));
        Assert.IsType<AutomationAction.Suspend>(action.Action);
        Assert.Contains("yahoo-ts04", action.Reason);
        var aol = state.Apply(resolver.Resolve("aol.com", AolSite, "a"));
        Assert.True(aol.Suspended);
        Assert.Equal(Start + TimeSpan.FromHours(2), aol.SuspendedUntil);
        Assert.Equal([action], aol.Automation);
        Assert.False(state.Apply(resolver.Resolve("aol.com", AolSite, "b")).Suspended);
        Assert.False(state.Apply(resolver.Resolve("small.example", SmallSite, "a")).Suspended);
        Assert.Equal(Start + TimeSpan.FromHours(2), state.NextExpiry());

        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromTicks(1));
        Assert.True(state.Apply(resolver.Resolve("yahoo.com", YahooSite, "a")).Suspended);
        clock.Advance(TimeSpan.FromTicks(1));
        var after = state.Apply(resolver.Resolve("yahoo.com", YahooSite, "a"));
        Assert.False(after.Suspended);
        Assert.Empty(after.Automation);
        Assert.Empty(state.Active());
        Assert.Null(state.NextExpiry());
    }

    [Fact]
    public void Actions_lower_limits_and_never_raise_them()
    {
        var settings = Settings("""
            actormta.shaping.automation = [
              { match-text = "slow", scope = site, action = ["message-rate = 10/min", "connection-limit = 1", "messages-per-connection = 5", "connection-rate = 1/min"], duration = 1h }
              { match-text = "loose", scope = site, action = ["message-rate = 1000/s", "connection-limit = 50", "messages-per-connection = 500", "connection-rate = 10/s"], duration = 1h }
            ]
            """);
        var resolver = new ShapingResolver(settings);
        var state = new AutomationState(settings.Automation, new ManualClock(Start));
        var configured = resolver.Resolve("small.example", SmallSite, "a");

        state.OnReply("a", SmallSite, null, new SmtpReply(421, null, "loose"));
        Assert.Equal(configured, state.Apply(configured));

        state.OnReply("a", SmallSite, null, new SmtpReply(421, null, "slow"));
        var lowered = state.Apply(configured);
        Assert.Equal(new Sourced<ShapingRate>(new ShapingRate(10, TimeSpan.FromMinutes(1)), ShapingOrigin.Automation), lowered.MessageRate);
        Assert.Equal(new Sourced<ShapingRate>(new ShapingRate(1, TimeSpan.FromMinutes(1)), ShapingOrigin.Automation), lowered.ConnectionRate);
        Assert.Equal(new Sourced<int>(1, ShapingOrigin.Automation), lowered.ConnectionLimit);
        Assert.Equal(new Sourced<int>(5, ShapingOrigin.Automation), lowered.MessagesPerConnection);
        Assert.Equal(configured.Tls, lowered.Tls);
        Assert.Equal(4, lowered.Automation.Count);
        Assert.Contains("message-rate               10/min (automation)", lowered.Describe());
    }

    [Fact]
    public void The_lowest_messages_per_connection_action_in_force_is_the_cap_the_throttle_hands_out_until_it_expires()
    {
        var settings = Settings("""
            actormta.shaping.automation = [
              { match-text = "few", scope = site, action = "messages-per-connection = 5", duration = 10m }
              { match-text = "fewer", scope = site, action = "messages-per-connection = 2", duration = 1m }
            ]
            """);
        var clock = new ManualClock(Start);
        var state = new AutomationState(settings.Automation, clock);
        Assert.Equal(0, state.MessagesPerConnection("a", SmallSite, null));

        state.OnReply("a", SmallSite, null, new SmtpReply(451, null, "too few"));
        state.OnReply("a", SmallSite, null, new SmtpReply(451, null, "fewer please"));
        Assert.Equal(2, state.MessagesPerConnection("a", SmallSite, null));
        Assert.Equal(0, state.MessagesPerConnection("b", SmallSite, null)); // another source's connections are not limited
        Assert.Equal(0, state.MessagesPerConnection("a", YahooSite, "yahoo"));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(5, state.MessagesPerConnection("a", SmallSite, null));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, state.MessagesPerConnection("a", SmallSite, null));
    }

    [Fact]
    public void Of_two_actions_on_one_limit_the_lower_wins_whatever_their_order()
    {
        var settings = Settings("""
            actormta.shaping.automation = [
              { match-text = "one", scope = site, action = "connection-limit = 3", duration = 1h }
              { match-text = "two", scope = site, action = "connection-limit = 2", duration = 1h }
            ]
            """);
        var configured = new ShapingResolver(settings).Resolve("small.example", SmallSite, "a");

        var first = new AutomationState(settings.Automation, new ManualClock(Start));
        first.OnReply("a", SmallSite, null, new SmtpReply(421, null, "two"));
        first.OnReply("a", SmallSite, null, new SmtpReply(421, null, "one"));
        var second = new AutomationState(settings.Automation, new ManualClock(Start));
        second.OnReply("a", SmallSite, null, new SmtpReply(421, null, "one"));
        second.OnReply("a", SmallSite, null, new SmtpReply(421, null, "two"));

        Assert.Equal(2, first.Apply(configured).ConnectionLimit.Value);
        Assert.Equal(2, second.Apply(configured).ConnectionLimit.Value);
    }

    [Fact]
    public void A_rule_firing_again_extends_its_action_instead_of_adding_one()
    {
        var settings = Settings();
        var clock = new ManualClock(Start);
        var state = new AutomationState(settings.Automation, clock);

        var first = Assert.Single(state.OnReply("a", YahooSite, "yahoo", Ts04));
        clock.Advance(TimeSpan.FromMinutes(30));
        var again = Assert.Single(state.OnReply("a", AolSite, "yahoo", Ts04));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.Since, again.Since);
        Assert.Equal(Start + TimeSpan.FromMinutes(150), again.Until);
        Assert.Equal([again], state.Active());
    }

    [Fact]
    public void A_provider_wide_rule_holds_back_only_the_answering_site_when_it_has_no_provider()
    {
        var settings = Settings("""actormta.shaping.automation = [ { match-code = 421, scope = provider, action = suspend, duration = 10m } ]""");
        var resolver = new ShapingResolver(settings);
        var state = new AutomationState(settings.Automation, new ManualClock(Start));

        var action = Assert.Single(state.OnReply("a", SmallSite, null, new SmtpReply(421, null, "busy")));

        Assert.Equal((AutomationScope.Site, SmallSite.Name), (action.Scope, action.Target));
        Assert.True(state.Apply(resolver.Resolve("small.example", SmallSite, "a")).Suspended);
        Assert.False(state.Apply(resolver.Resolve("other.example", SiteKey.From(["mx.other.example"]), "a")).Suspended);
    }

    [Fact]
    public void Actions_are_listed_and_cancelled_by_id()
    {
        var settings = Settings();
        var resolver = new ShapingResolver(settings);
        var state = new AutomationState(settings.Automation, new ManualClock(Start));
        var ts04 = Assert.Single(state.OnReply("a", YahooSite, "yahoo", Ts04));
        var manual = state.Impose(ActiveAutomation.AnySource, AutomationScope.Site, SmallSite.Name, new AutomationAction.Suspend(), TimeSpan.FromMinutes(5), "ctl site suspend");

        Assert.Equal([ts04, manual], state.Active());
        Assert.NotEqual(ts04.Id, manual.Id);
        Assert.True(state.Apply(resolver.Resolve("small.example", SmallSite, "any-source")).Suspended);

        Assert.True(state.Cancel(ts04.Id));
        Assert.False(state.Cancel(ts04.Id));
        Assert.False(state.Cancel(999));
        Assert.Equal([manual], state.Active());
        Assert.False(state.Apply(resolver.Resolve("yahoo.com", YahooSite, "a")).Suspended);
    }

    [Fact]
    public void The_shipped_gmail_rules_match_their_replies()
    {
        var rules = Settings().Automation;

        var unusual = new SmtpReply(421, "4.7.28", ["Our system has detected an unusual rate of unsolicited mail originating from your IP address."]);
        Assert.Equal(["gmail-4.7.28"], rules.Match(unusual, "gmail").Select(r => r.Name));
        var reputation = new SmtpReply(421, "4.7.0", ["This message is suspicious due to the very low reputation of the sending IP address.", "mail sent from your IP address has been temporarily rate limited."]);
        Assert.Equal(["gmail-4.7.0-rate-limited"], rules.Match(reputation, "gmail").Select(r => r.Name));
        Assert.Empty(rules.Match(new SmtpReply(421, "4.7.0", "Try again later, closing connection. (EHLO)"), "gmail"));
        Assert.Empty(rules.Match(unusual, "yahoo"));
    }

    [Theory]
    [InlineData("""[ { action = suspend, duration = 1m } ]""", "actormta.shaping.automation[0]: needs at least one of match-code")]
    [InlineData("""[ { match-code = 421, action = "slow down", duration = 1m } ]""", "actormta.shaping.automation[0].action: 'slow down' is not an action")]
    [InlineData("""[ { match-code = 421, action = "message-rate = 10/fortnight", duration = 1m } ]""", "actormta.shaping.automation[0].action: '10/fortnight' is not a rate")]
    [InlineData("""[ { match-code = 421, action = "message-rate = unlimited", duration = 1m } ]""", "can only lower a limit")]
    [InlineData("""[ { match-code = 421, action = "connection-limit = 0", duration = 1m } ]""", "at least 1")]
    [InlineData("""[ { match-code = 421, action = suspend } ]""", "actormta.shaping.automation[0].duration is missing")]
    [InlineData("""[ { match-code = 999, action = suspend, duration = 1m } ]""", "actormta.shaping.automation[0].match-code: '999'")]
    [InlineData("""[ { match-enhanced = "4.7", action = suspend, duration = 1m } ]""", "actormta.shaping.automation[0].match-enhanced: '4.7'")]
    [InlineData("""[ { match-text = "([", action = suspend, duration = 1m } ]""", "actormta.shaping.automation[0].match-text: '(['")]
    [InlineData("""[ { match-code = 421, provider = nobody, action = suspend, duration = 1m } ]""", "actormta.shaping.automation[0].provider: 'nobody'")]
    [InlineData("""[ { match-code = 421, scope = everywhere, action = suspend, duration = 1m } ]""", "actormta.shaping.automation[0].scope: 'everywhere'")]
    [InlineData("""[ { match-code = 421, acton = suspend, duration = 1m } ]""", "actormta.shaping.automation[0].acton: unknown key")]
    public void Bad_rules_are_rejected_naming_the_key(string automation, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Rules(automation));
        Assert.Contains(expected, e.Message);
    }
}
