using System.Net;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Greylisting;

public sealed class GreylistPolicyTests
{
    private const string Network = "192.0.2.0/24";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualClock _clock = new(Start);
    private readonly GreylistSettings _settings;
    private readonly GreylistPolicy _policy;
    private readonly GreylistState _state;

    public GreylistPolicyTests() : this(new GreylistSettings { Enabled = true }) { }

    private GreylistPolicyTests(GreylistSettings settings)
    {
        _settings = settings;
        _policy = new GreylistPolicy(settings, _clock);
        _state = new GreylistState(settings.MaxTripletsPerNetwork);
    }

    /// <summary>What the entity does: decide, then apply the event (as after it is persisted).</summary>
    private GreylistVerdict Check(string? sender = "alice@example.net", string recipient = "bob@example.org") => Check(_policy, _state, sender, recipient);

    private static GreylistVerdict Check(GreylistPolicy policy, GreylistState state, string? sender, string recipient)
    {
        var decision = policy.Decide(Network, state, sender, recipient);
        if (decision.Event is { } e) state.Apply(e);
        return decision.Verdict;
    }

    private void PassOnce(string sender, string recipient = "bob@example.org")
    {
        Assert.Equal(GreylistOutcome.Defer, Check(sender, recipient).Outcome);
        _clock.Advance(_settings.Delay);
        Assert.Equal(GreylistOutcome.Pass, Check(sender, recipient).Outcome);
    }

    [Fact]
    public void The_first_attempt_is_deferred_with_451_4_7_1_for_the_whole_delay()
    {
        var verdict = Check();

        Assert.Equal((Network, GreylistOutcome.Defer, TimeSpan.FromMinutes(5)), (verdict.Network, verdict.Outcome, verdict.RetryAfter));
        Assert.False(verdict.Accepts);
        var reply = verdict.ToSmtpReply()!;
        Assert.Equal((451, "4.7.1"), (reply.Code, reply.EnhancedCode));
        Assert.Equal("451 4.7.1 Greylisted, try again later (in 300 seconds)", reply.ToString());
        Assert.Equal(new GreylistTriplet("alice@example.net", "bob@example.org", Start, null), _state.Find("alice@example.net", "bob@example.org"));
    }

    [Fact]
    public void A_retry_before_the_delay_is_deferred_again_with_what_remains_and_does_not_restart_the_wait()
    {
        Check();
        _clock.Advance(TimeSpan.FromMinutes(2));
        var decision = _policy.Decide(Network, _state, "alice@example.net", "bob@example.org");
        Assert.Equal((GreylistOutcome.Defer, TimeSpan.FromMinutes(3)), (decision.Verdict.Outcome, decision.Verdict.RetryAfter));
        Assert.Null(decision.Event); // nothing to persist: the first-seen time stays
        Assert.Equal("451 4.7.1 Greylisted, try again later (in 180 seconds)", decision.Verdict.ToSmtpReply()!.ToString());

        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromMinutes(1), Check().RetryAfter);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(GreylistOutcome.Pass, Check().Outcome);
    }

    [Fact]
    public void A_retry_after_the_delay_passes_and_the_triplet_then_passes_at_once()
    {
        Check();
        _clock.Advance(TimeSpan.FromMinutes(5));

        var verdict = Check();

        Assert.Equal((GreylistOutcome.Pass, TimeSpan.Zero), (verdict.Outcome, verdict.RetryAfter));
        Assert.True(verdict.Accepts);
        Assert.Null(verdict.ToSmtpReply());
        Assert.Equal(new GreylistTriplet("alice@example.net", "bob@example.org", Start, Start.AddMinutes(5)), _state.Find("alice@example.net", "bob@example.org"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(GreylistOutcome.Pass, Check().Outcome);
        // Another recipient of the same sender is a triplet of its own.
        Assert.Equal(GreylistOutcome.Defer, Check(recipient: "carol@example.org").Outcome);
    }

    [Fact]
    public void A_retry_after_the_retry_window_is_a_new_first_attempt()
    {
        Check();
        _clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));

        var decision = _policy.Decide(Network, _state, "alice@example.net", "bob@example.org");

        Assert.Equal((GreylistOutcome.Defer, TimeSpan.FromMinutes(5)), (decision.Verdict.Outcome, decision.Verdict.RetryAfter));
        Assert.Equal(new GreylistTripletSeen("alice@example.net", "bob@example.org", _clock.GetUtcNow()), decision.Event);
        _state.Apply(decision.Event!);
        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(GreylistOutcome.Defer, Check().Outcome);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(GreylistOutcome.Pass, Check().Outcome);
    }

    [Fact]
    public void A_retry_at_the_very_end_of_the_window_still_passes()
    {
        Check();
        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(GreylistOutcome.Pass, Check().Outcome);
    }

    [Fact]
    public void Each_pass_renews_the_triplet_for_pass_ttl_and_a_silent_one_starts_over()
    {
        PassOnce("alice@example.net");
        _clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(GreylistOutcome.Pass, Check().Outcome);
        // 60 days after the first pass, but 30 after the last one.
        _clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(GreylistOutcome.Pass, Check().Outcome);

        _clock.Advance(TimeSpan.FromDays(35) + TimeSpan.FromSeconds(1));
        Assert.Equal(GreylistOutcome.Defer, Check().Outcome);
    }

    [Fact]
    public void A_network_with_enough_passed_deliveries_is_whitelisted_for_pass_ttl()
    {
        // Five passed deliveries: two by one triplet (its pass and a later one), three by others.
        PassOnce("a@example.net");
        Assert.Equal(GreylistOutcome.Pass, Check("a@example.net").Outcome);
        PassOnce("b@example.net");
        PassOnce("c@example.net");
        Assert.Equal(4, _state.PassCount);
        Assert.Equal(GreylistOutcome.Defer, Check("newcomer@example.net").Outcome);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.Pass, Check("newcomer@example.net").Outcome);
        Assert.Equal(5, _state.PassCount);

        var whitelisted = Check("never-seen@example.com", "someone@example.org");

        Assert.Equal((GreylistOutcome.Whitelisted, GreylistPolicy.AutoWhitelisted), (whitelisted.Outcome, whitelisted.Detail));
        Assert.True(whitelisted.Accepts);
        Assert.Null(_state.Find("never-seen@example.com", "someone@example.org")); // nothing stored for it

        // Silent for longer than pass-ttl: greylisted again, and the count starts over.
        _clock.Advance(TimeSpan.FromDays(36));
        Assert.Equal(GreylistOutcome.Defer, Check("never-seen@example.com", "someone@example.org").Outcome);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.Pass, Check("never-seen@example.com", "someone@example.org").Outcome);
        Assert.Equal(1, _state.PassCount);
    }

    [Fact]
    public void Mail_from_a_whitelisted_network_renews_its_whitelisting_at_most_hourly()
    {
        for (var i = 0; i < 5; i++) PassOnce($"s{i}@example.net");

        Assert.Null(_policy.Decide(Network, _state, "x@example.net", "bob@example.org").Event);
        _clock.Advance(TimeSpan.FromHours(1));
        var renewed = _policy.Decide(Network, _state, "x@example.net", "bob@example.org");
        Assert.Equal(GreylistOutcome.Whitelisted, renewed.Verdict.Outcome);
        Assert.Equal(new GreylistWhitelistRefreshed(_clock.GetUtcNow()), renewed.Event);
        _state.Apply(renewed.Event!);

        // 35 days after the renewal (not after the last pass) the network is still whitelisted.
        _clock.Advance(TimeSpan.FromDays(35));
        Assert.Equal(GreylistOutcome.Whitelisted, Check("y@example.net").Outcome);
    }

    [Fact]
    public void Auto_whitelisting_can_be_turned_off()
    {
        var test = new GreylistPolicyTests(new GreylistSettings { Enabled = true, AutoWhitelistAfter = 0 });
        for (var i = 0; i < 20; i++) test.PassOnce($"s{i}@example.net");
        Assert.Equal(GreylistOutcome.Defer, test.Check("new@example.net").Outcome);
    }

    [Fact]
    public void The_null_sender_is_one_sender_however_it_is_written()
    {
        Assert.Equal("", GreylistPolicy.Normalize("<>"));
        Assert.Equal("", GreylistPolicy.Normalize(""));
        Assert.Equal("", GreylistPolicy.Normalize(null));

        Assert.Equal(GreylistOutcome.Defer, Check("<>").Outcome);
        Assert.NotNull(_state.Find("", "bob@example.org"));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.Pass, Check("").Outcome);
        Assert.Equal(GreylistOutcome.Pass, Check(null).Outcome);
    }

    [Fact]
    public void Sender_and_recipient_are_compared_lower_cased()
    {
        Check("Alice@Example.NET", "<BOB@example.org>");
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.Pass, Check("alice@example.net", "bob@EXAMPLE.org").Outcome);
        Assert.Equal(1, _state.Count);
    }

    [Theory]
    [InlineData("192.0.2.77", "192.0.2.0/24")]
    [InlineData("192.0.2.1", "192.0.2.0/24")]
    [InlineData("192.0.2.254", "192.0.2.0/24")]
    [InlineData("192.0.3.1", "192.0.3.0/24")]
    [InlineData("::ffff:192.0.2.9", "192.0.2.0/24")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("fe80::1%3", "fe80::/64")]
    public void Clients_are_grouped_by_their_ipv4_24_or_ipv6_64(string client, string network)
    {
        Assert.Equal(network, _policy.NetworkOf(IPAddress.Parse(client)));
    }

    [Fact]
    public void The_prefix_lengths_are_configurable()
    {
        Assert.Equal("192.0.0.0/16", GreylistPolicy.NetworkOf(IPAddress.Parse("192.0.2.77"), 16, 48));
        Assert.Equal("192.0.2.77/32", GreylistPolicy.NetworkOf(IPAddress.Parse("192.0.2.77"), 32, 48));
        Assert.Equal("192.0.2.64/27", GreylistPolicy.NetworkOf(IPAddress.Parse("192.0.2.77"), 27, 48));
        Assert.Equal("2001:db8:1::/48", GreylistPolicy.NetworkOf(IPAddress.Parse("2001:db8:1:2::1"), 16, 48));
        Assert.Equal("2001:db8:1:2::1/128", GreylistPolicy.NetworkOf(IPAddress.Parse("2001:db8:1:2::1"), 16, 128));
    }

    [Fact]
    public void At_the_bound_the_oldest_pending_triplet_goes_first_and_passed_ones_stay()
    {
        var test = new GreylistPolicyTests(new GreylistSettings { Enabled = true, MaxTripletsPerNetwork = 3 });
        test.PassOnce("kept@example.net");
        test.Check("p1@example.net");
        test._clock.Advance(TimeSpan.FromSeconds(1));
        test.Check("p2@example.net");
        test._clock.Advance(TimeSpan.FromSeconds(1));

        test.Check("p3@example.net");

        Assert.Equal(3, test._state.Count);
        Assert.Null(test._state.Find("p1@example.net", "bob@example.org"));
        Assert.NotNull(test._state.Find("p2@example.net", "bob@example.org"));
        Assert.NotNull(test._state.Find("p3@example.net", "bob@example.org"));
        Assert.True(test._state.Find("kept@example.net", "bob@example.org")!.HasPassed);

        // With nothing pending left to drop, the passed triplet whose last pass is oldest goes.
        var passedOnly = new GreylistState(2);
        passedOnly.Apply(new GreylistTripletPassed("old@example.net", "bob@example.org", Start, 1));
        passedOnly.Apply(new GreylistTripletPassed("young@example.net", "bob@example.org", Start.AddMinutes(1), 2));
        passedOnly.Apply(new GreylistTripletSeen("new@example.net", "bob@example.org", Start.AddMinutes(2)));
        Assert.Equal(["new@example.net", "young@example.net"], passedOnly.Triplets.Select(t => t.Sender).Order());
    }

    [Fact]
    public void Pruning_drops_expired_triplets_and_a_stale_pass_count_only()
    {
        PassOnce("passed@example.net");
        _clock.Advance(TimeSpan.FromDays(1));
        Check("pending@example.net");
        _clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Check("fresh@example.net");

        Assert.Equal(1, _policy.Prune(_state));
        Assert.Equal(["fresh@example.net", "passed@example.net"], _state.Triplets.Select(t => t.Sender).Order());
        Assert.Equal(1, _state.PassCount);

        _clock.Advance(TimeSpan.FromDays(35));
        Assert.Equal(2, _policy.Prune(_state));
        Assert.Equal(0, _state.Count);
        Assert.Equal((0, (DateTimeOffset?)null), (_state.PassCount, _state.LastPass));
    }

    [Fact]
    public void A_snapshot_restores_triplets_their_order_and_the_pass_count()
    {
        PassOnce("passed@example.net");
        Check("pending@example.net");

        var restored = GreylistState.FromSnapshot(_state.ToSnapshot(), _settings.MaxTripletsPerNetwork);

        Assert.Equal(_state.Triplets, restored.Triplets);
        Assert.Equal((_state.PassCount, _state.LastPass), (restored.PassCount, restored.LastPass));
    }

    [Fact]
    public void The_whitelist_takes_networks_addresses_and_domains_with_their_subdomains()
    {
        var whitelist = GreylistWhitelist.Parse(["198.51.100.0/24", "203.0.113.7", "2001:db8::/32", "Example.COM", ".partner.test"]);

        Assert.Equal("198.51.100.0/24", whitelist.Match(IPAddress.Parse("198.51.100.200"), "x@spam.test", "bob@example.org"));
        Assert.Equal("198.51.100.0/24", whitelist.Match(IPAddress.Parse("::ffff:198.51.100.1"), "x@spam.test", "bob@example.org"));
        Assert.Equal("203.0.113.7/32", whitelist.Match(IPAddress.Parse("203.0.113.7"), "", "bob@example.org"));
        Assert.Null(whitelist.Match(IPAddress.Parse("203.0.113.8"), "", "bob@example.org"));
        Assert.Equal("2001:db8::/32", whitelist.Match(IPAddress.Parse("2001:db8:ffff::1"), "", "bob@example.org"));
        Assert.Equal("example.com", whitelist.Match(IPAddress.Parse("192.0.2.1"), "alice@mail.example.com", "bob@example.org"));
        Assert.Equal("example.com", whitelist.Match(IPAddress.Parse("192.0.2.1"), "", "postmaster@EXAMPLE.com"));
        Assert.Equal("partner.test", whitelist.Match(IPAddress.Parse("192.0.2.1"), "a@partner.test", "bob@example.org"));
        Assert.Null(whitelist.Match(IPAddress.Parse("192.0.2.1"), "a@notexample.com", "bob@example.org"));
        Assert.Null(whitelist.Match(IPAddress.Parse("192.0.2.1"), null, "bob@example.org"));

        // Host bits are dropped, as for relay-networks.
        Assert.Equal("10.0.0.0/8", GreylistWhitelist.Parse(["10.0.0.1/8"]).Match(IPAddress.Parse("10.9.9.9"), "", "bob@example.org"));
        Assert.Throws<ConfigurationException>(() => GreylistWhitelist.Parse(["10.0.0.0/33"]));
        Assert.Throws<ConfigurationException>(() => GreylistWhitelist.Parse(["bob@example.org"]));
    }

    [Fact]
    public void The_shipped_configuration_has_the_documented_defaults()
    {
        var settings = GreylistSettings.FromConfig(NodeConfig.ActorMta());

        Assert.False(settings.Enabled);
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromDays(2), TimeSpan.FromDays(35)), (settings.Delay, settings.RetryWindow, settings.PassTtl));
        Assert.Equal((5, 24, 64, 10000), (settings.AutoWhitelistAfter, settings.Ipv4Prefix, settings.Ipv6Prefix, settings.MaxTripletsPerNetwork));
        Assert.Empty(settings.Whitelist.Networks);
        Assert.Empty(settings.Whitelist.Domains);
        Assert.Equal(new GreylistSettings() with { Whitelist = settings.Whitelist }, settings);

        var custom = GreylistSettings.FromConfig(NodeConfig.ActorMta("""
            actormta.spam.greylisting { enabled = on, delay = 90s, ipv4-prefix = 32, whitelist = ["192.0.2.0/24", "example.org"] }
            """));
        Assert.Equal((true, TimeSpan.FromSeconds(90), 32), (custom.Enabled, custom.Delay, custom.Ipv4Prefix));
        Assert.Equal(["192.0.2.0/24"], custom.Whitelist.Networks.Select(n => n.ToString()));
        Assert.Equal(["example.org"], custom.Whitelist.Domains);

        Assert.Throws<ConfigurationException>(() => GreylistSettings.FromConfig(NodeConfig.ActorMta("actormta.spam.greylisting.retry-window = 1m")));
        Assert.Throws<ConfigurationException>(() => GreylistSettings.FromConfig(NodeConfig.ActorMta("actormta.spam.greylisting.ipv6-prefix = 129")));
    }
}
