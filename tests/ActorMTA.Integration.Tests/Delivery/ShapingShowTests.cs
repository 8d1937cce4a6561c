using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// `actormta ctl shaping show DOMAIN` against a running server whose MX lookups go to a real dnsmasq: two domains
/// hosted on the same Google-style MX hosts (one site, provider gmail), a domain with its own HOCON entry, a null-MX
/// domain, a name that does not exist and one whose lookups fail.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ShapingShowTests(ShapingShowTests.Bed bed) : IClassFixture<ShapingShowTests.Bed>
{
    private const string GoogleSite = "mx1.google.com,mx2.google.com";

    public sealed class Bed : IAsyncLifetime
    {
        public DeliveryTestBed TestBed { get; private set; } = null!;

        public async Task InitializeAsync() => TestBed = await DeliveryTestBed.StartAsync(
            [
                new RemoteDomain("gmail-like.test", "127.0.0.2", 10, "mx1.google.com"),
                new RemoteDomain("gmail-like.test", "127.0.0.3", 20, "mx2.google.com"),
                new RemoteDomain("own-entry.test", "127.0.0.4"),
            ],
            [],
            overrides: """
                actormta.delivery.dns-timeout = 1s
                actormta.delivery.dns-retries = 0
                actormta.shaping.domains { "own-entry.test" { connection-limit = 3, message-rate = "10/min" } }
                actormta.egress.sources { b { bind = "127.0.0.1", ehlo = "b.local.test" } }
                actormta.egress.pools { bulk { b = 1 } }
                """,
            extraZone: $"""
                # The same MX hosts as gmail-like.test, in the other order and with other preferences: the same site.
                mx-host=workspace-customer.test,mx2.google.com,5
                mx-host=workspace-customer.test,mx1.google.com,5
                # RFC 7505 null MX: preference 0, exchange "." (the root).
                dns-rr=nullmx.test,15,000000
                # Forwarded to a closed port: lookups fail (temporary).
                server=/tempfail.test/127.0.0.1#{DnsmasqServer.ClosedUdpPort()}

                """);

        public async Task DisposeAsync()
        {
            if (TestBed is not null) await TestBed.DisposeAsync();
        }
    }

    private DeliveryTestBed TestBed => bed.TestBed;

    [Fact]
    public void A_google_hosted_domain_shows_its_site_provider_and_limits_with_their_origins()
    {
        var text = TestBed.Ctl("shaping", "show", "gmail-like.test");

        Assert.Contains("domain                     gmail-like.test\n", text);
        Assert.Contains("mx                         10 mx1.google.com\n                           20 mx2.google.com\n", text);
        Assert.Contains($"site                       {GoogleSite}\n", text);
        Assert.Contains("provider                   gmail\n", text);
        Assert.Contains("source                     default\n", text);
        Assert.Contains("pool                       default\n", text);
        Assert.Contains("connection-limit           10 (default)\n", text);
        Assert.Contains("provider-connection-limit  5 (provider)\n", text);
        Assert.Contains("messages-per-connection    50 (provider)\n", text);
        Assert.Contains("message-rate               100/s (default)\n", text);
        Assert.Contains("connection-rate            100/min (default)\n", text);
        Assert.Contains("idle-timeout               2s (default)\n", text);
        Assert.Contains("tls                        required (provider)\n", text);
        Assert.Contains("suspended                  no\n", text);
        Assert.Contains("automation                 (none)\n", text);
    }

    [Fact]
    public void Another_domain_on_the_same_mx_hosts_is_the_same_site_and_json_says_so()
    {
        var json = TestBed.CtlJson("shaping", "show", "workspace-customer.test");

        Assert.Equal("workspace-customer.test", json["domain"]!.GetValue<string>());
        Assert.Equal(GoogleSite, json["site"]!.GetValue<string>());
        Assert.Equal("gmail", json["provider"]!.GetValue<string>());
        Assert.Equal(new[] { 5, 5 }, json["mx"]!.AsArray().Select(m => m!["preference"]!.GetValue<int>()));
        Assert.Equal("provider", json["limits"]!["messages-per-connection"]!["origin"]!.GetValue<string>());
        Assert.Equal(50, json["limits"]!["messages-per-connection"]!["value"]!.GetValue<int>());
        Assert.Equal("required", json["tls"]!["value"]!.GetValue<string>());
        Assert.False(json["suspended"]!.GetValue<bool>());
    }

    [Fact]
    public void A_domain_entry_in_hocon_wins_and_is_named_as_the_origin()
    {
        var text = TestBed.Ctl("shaping", "show", "own-entry.test");

        Assert.Contains("site                       mx.own-entry.test\n", text);
        Assert.Contains("provider                   (none)\n", text);
        Assert.Contains("connection-limit           3 (domain)\n", text);
        Assert.Contains("message-rate               10/min (domain)\n", text);
        Assert.Contains("provider-connection-limit  unlimited (default)\n", text);
        Assert.Contains("tls                        opportunistic (default)\n", text);
    }

    [Fact]
    public void Source_option_picks_the_source_and_shows_its_pool()
    {
        var json = TestBed.CtlJson("shaping", "show", "gmail-like.test", "--source", "b");
        Assert.Equal("b", json["source"]!.GetValue<string>());
        Assert.Equal(new[] { "bulk" }, json["pools"]!.AsArray().Select(p => p!.GetValue<string>()));

        var unknown = TestBed.Server.RunCli("ctl", "shaping", "show", "gmail-like.test", "--source", "nosuch");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("unknown source 'nosuch'", unknown.Stderr);
    }

    [Fact]
    public void A_null_mx_domain_is_said_to_accept_no_mail()
    {
        var text = TestBed.Ctl("shaping", "show", "nullmx.test");
        Assert.Contains("nullmx.test accepts no mail (null MX)", text);

        var json = TestBed.CtlJson("shaping", "show", "nullmx.test");
        Assert.False(json["accepts_mail"]!.GetValue<bool>());
    }

    [Fact]
    public void A_domain_that_does_not_exist_is_one_error_line_and_exit_1()
    {
        var result = TestBed.Server.RunCli("ctl", "shaping", "show", "nosuch.test");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("nosuch.test", line);
        Assert.Contains("NXDOMAIN", line);
    }

    [Fact]
    public void A_failing_dns_lookup_is_a_temporary_error_and_exit_1_not_a_crash()
    {
        var result = TestBed.Server.RunCli("ctl", "shaping", "show", "tempfail.test");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("temporary", line);
        Assert.Contains("4.4.3", line);
        // The node lives on and answers.
        Assert.Contains("provider                   gmail\n", TestBed.Ctl("shaping", "show", "gmail-like.test"));
    }

    [Fact]
    public void A_misspelt_shaping_key_stops_the_node_at_start_with_one_line_naming_it()
    {
        var root = Path.Combine(Path.GetTempPath(), "actormta-badshaping-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            var config = Path.Combine(root, "bad.conf");
            File.WriteAllText(config, """actormta.shaping.domains { "x.test" { conection-limit = 2 } }""" + "\n");

            var result = TestBed.Server.RunCli(TimeSpan.FromSeconds(60), "run", "--config", config, "--data-dir", Path.Combine(root, "data"));

            Assert.True(result.ExitCode == 1, result.ToString());
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("actormta.shaping.domains.\"x.test\".conection-limit: unknown key", line);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
