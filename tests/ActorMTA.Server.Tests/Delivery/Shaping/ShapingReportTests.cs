using System.Net;
using System.Text.Json.Nodes;
using ActorMTA.Server.Admin;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Tests.Greylisting;
using ActorMTA.Server.Tests.Support;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

/// <summary>What `ctl shaping show DOMAIN` prints, as text and as JSON, for a resolved EffectiveShaping.</summary>
public sealed class ShapingReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyList<MxHost> GoogleHosts =
    [
        new("mx2.google.com", 20, [IPAddress.Parse("127.0.0.3")]),
        new("mx1.google.com", 10, [IPAddress.Parse("127.0.0.2")]),
    ];

    private static ShapingSettings Settings(string? overrides = null) => ShapingSettings.FromConfig(NodeConfig.ActorMta(overrides));

    [Fact]
    public void Text_lists_the_mx_hosts_by_preference_and_every_limit_with_its_origin()
    {
        var settings = Settings("""actormta.shaping.domains { "customer.test" { message-rate = "10/min", idle-timeout = 1500ms } }""");
        var shaping = new ShapingResolver(settings).Resolve("Customer.Test.", SiteKey.From(GoogleHosts), "default");

        var text = new ShapingReport(GoogleHosts, ["default"], shaping).Text();

        Assert.Equal("""
            domain                     customer.test
            mx                         10 mx1.google.com
                                       20 mx2.google.com
            site                       mx1.google.com,mx2.google.com
            provider                   gmail
            source                     default
            pool                       default
            connection-limit           10 (default)
            provider-connection-limit  5 (provider)
            messages-per-connection    50 (provider)
            message-rate               10/min (domain)
            connection-rate            100/min (default)
            idle-timeout               1500ms (domain)
            tls                        required (provider)
            suspended                  no
            automation                 (none)

            """.Replace("\r\n", "\n"), text);
    }

    [Fact]
    public void Json_carries_the_same_facts()
    {
        var settings = Settings("""actormta.shaping.domains { "customer.test" { connection-limit = 3 } }""");
        var shaping = new ShapingResolver(settings).Resolve("customer.test", SiteKey.From(GoogleHosts), "a");

        var json = new ShapingReport(GoogleHosts, ["bulk", "default"], shaping).Json();

        Assert.Equal("customer.test", json["domain"]!.GetValue<string>());
        Assert.True(json["accepts_mail"]!.GetValue<bool>());
        Assert.Equal(new[] { "mx1.google.com", "mx2.google.com" }, json["mx"]!.AsArray().Select(m => m!["host"]!.GetValue<string>()));
        Assert.Equal(new[] { 10, 20 }, json["mx"]!.AsArray().Select(m => m!["preference"]!.GetValue<int>()));
        Assert.Equal("mx1.google.com,mx2.google.com", json["site"]!.GetValue<string>());
        Assert.Equal("gmail", json["provider"]!.GetValue<string>());
        Assert.Equal("a", json["source"]!.GetValue<string>());
        Assert.Equal(new[] { "bulk", "default" }, json["pools"]!.AsArray().Select(p => p!.GetValue<string>()));
        var limits = json["limits"]!.AsObject();
        AssertLimit(limits["connection-limit"], 3, "domain");
        AssertLimit(limits["provider-connection-limit"], 5, "provider");
        AssertLimit(limits["messages-per-connection"], 50, "provider");
        AssertLimit(limits["message-rate"], "100/s", "default");
        AssertLimit(limits["connection-rate"], "100/min", "default");
        AssertLimit(limits["idle-timeout"], "2s", "default");
        AssertLimit(json["tls"], "required", "provider");
        Assert.False(json["suspended"]!.GetValue<bool>());
        Assert.Null(json["suspended_until"]);
        Assert.Empty(json["automation"]!.AsArray());
        // What the CLI prints with --json must survive a round trip through text.
        Assert.Equal(json.ToJsonString(), JsonNode.Parse(json.ToJsonString())!.ToJsonString());
    }

    [Fact]
    public void Unlimited_limits_print_as_unlimited_in_both()
    {
        var settings = Settings("""actormta.shaping.domains { "free.test" { message-rate = unlimited, provider-connection-limit = unlimited } }""");
        var shaping = new ShapingResolver(settings).Resolve("free.test", SiteKey.From(GoogleHosts), "default");
        var report = new ShapingReport(GoogleHosts, ["default"], shaping);

        Assert.Contains("provider-connection-limit  unlimited (domain)\n", report.Text());
        Assert.Contains("message-rate               unlimited (domain)\n", report.Text());
        AssertLimit(report.Json()["limits"]!["provider-connection-limit"], "unlimited", "domain");
        AssertLimit(report.Json()["limits"]!["message-rate"], "unlimited", "domain");
    }

    [Fact]
    public void Automation_in_force_shows_as_origin_suspension_and_actions()
    {
        var settings = Settings();
        var site = SiteKey.From(GoogleHosts);
        var state = new AutomationState(settings.Automation, new ManualClock(Start));
        state.Impose("default", AutomationScope.Site, site.Name, new AutomationAction.MessageRate(new ShapingRate(10, TimeSpan.FromMinutes(1))), TimeSpan.FromMinutes(30), "gmail-4.7.28: 421 4.7.28 slow down");
        state.Impose(ActiveAutomation.AnySource, AutomationScope.Provider, "gmail", new AutomationAction.Suspend(), TimeSpan.FromHours(1), "operator");
        var shaping = state.Apply(new ShapingResolver(settings).Resolve("customer.test", site, "default"));

        var report = new ShapingReport(GoogleHosts, ["default"], shaping);
        var text = report.Text();

        Assert.Contains("message-rate               10/min (automation)\n", text);
        Assert.Contains("suspended                  until 2026-03-01 13:00:00Z\n", text);
        Assert.Contains("automation                 #1 message-rate = 10/min for site mx1.google.com,mx2.google.com from default until 2026-03-01 12:30:00Z (gmail-4.7.28: 421 4.7.28 slow down)\n", text);
        Assert.Contains("automation                 #2 suspend for provider gmail from * until 2026-03-01 13:00:00Z (operator)\n", text);
        var json = report.Json();
        AssertLimit(json["limits"]!["message-rate"], "10/min", "automation");
        Assert.True(json["suspended"]!.GetValue<bool>());
        Assert.Equal("2026-03-01T13:00:00.0000000+00:00", json["suspended_until"]!.GetValue<string>());
        var actions = json["automation"]!.AsArray();
        Assert.Equal(2, actions.Count);
        Assert.Equal((1L, "message-rate = 10/min", "site", "default"),
            (actions[0]!["id"]!.GetValue<long>(), actions[0]!["action"]!.GetValue<string>(), actions[0]!["scope"]!.GetValue<string>(), actions[0]!["source"]!.GetValue<string>()));
        Assert.Equal(("suspend", "provider", "gmail", "operator"),
            (actions[1]!["action"]!.GetValue<string>(), actions[1]!["scope"]!.GetValue<string>(), actions[1]!["target"]!.GetValue<string>(), actions[1]!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public void A_null_mx_domain_is_an_answer_that_it_takes_no_mail()
    {
        var result = ShapingReport.NoMail("nullmx.test", "Recipient address has null MX (nullmx.test accepts no mail)");

        Assert.Equal("domain                     nullmx.test\nmx                         none: nullmx.test accepts no mail (null MX)\n", result.Text);
        Assert.False(result.Data!["accepts_mail"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(2000, "2s")]
    [InlineData(1500, "1500ms")]
    [InlineData(300_000, "5m")]
    [InlineData(7_200_000, "2h")]
    [InlineData(0, "0s")]
    public void Durations_print_as_hocon_writes_them(int milliseconds, string expected) =>
        Assert.Equal(expected, ShapingReport.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    private static void AssertLimit<T>(JsonNode? limit, T value, string origin)
    {
        Assert.NotNull(limit);
        Assert.Equal(value, limit!["value"]!.GetValue<T>());
        Assert.Equal(origin, limit["origin"]!.GetValue<string>());
    }
}
