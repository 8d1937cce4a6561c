using ActorMTA.TestSupport;
using System.Net;
using ActorMTA.Server.Delivery;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public sealed class MxResolverTests : IClassFixture<MxZoneFixture>
{
    private readonly DnsmasqServer _dns;

    public MxResolverTests(MxZoneFixture fixture) => _dns = fixture.Dns;

    // Generous: on a loaded two-core machine the first queries of a process also pay for JIT compilation.
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(3);

    private MxResolver Resolver(TimeSpan? minTtl = null, TimeSpan? maxTtl = null, TimeSpan? temporaryFailureTtl = null,
        TimeSpan? queryTimeout = null) =>
        new(new MxResolverOptions([_dns.EndPoint], queryTimeout ?? QueryTimeout, 0,
            minTtl ?? TimeSpan.Zero, maxTtl ?? TimeSpan.FromHours(1))
        {
            TemporaryFailureTtl = temporaryFailureTtl ?? TimeSpan.FromSeconds(30),
        });

    private static IReadOnlyList<MxHost> HostsOf(MxResolution resolution) =>
        resolution is MxResolution.Failure failure
            ? throw new Xunit.Sdk.XunitException($"expected hosts, got {failure}")
            : Assert.IsType<MxResolution.Hosts>(resolution).Targets;

    private static MxResolution.Failure FailureOf(MxResolution resolution) =>
        Assert.IsType<MxResolution.Failure>(resolution);

    [Fact]
    public async Task Hosts_come_in_preference_order_with_their_addresses()
    {
        var hosts = HostsOf(await Resolver().ResolveAsync("ordered.test", CancellationToken.None));

        Assert.Equal(["a.ordered.test", "b.ordered.test", "c.ordered.test"], hosts.Select(h => h.Name));
        Assert.Equal([10, 20, 30], hosts.Select(h => h.Preference));
        Assert.Equal([IPAddress.Parse("127.0.0.1")], hosts[0].Addresses);
        Assert.Equal([IPAddress.Parse("127.0.0.3")], hosts[2].Addresses);
    }

    [Fact]
    public async Task Domain_is_case_and_trailing_dot_insensitive()
    {
        var hosts = HostsOf(await Resolver().ResolveAsync("Ordered.TEST.", CancellationToken.None));
        Assert.Equal("a.ordered.test", hosts[0].Name);
    }

    [Fact]
    public async Task Equal_preferences_are_shuffled_on_every_resolution_including_cached_ones()
    {
        var resolver = Resolver();
        var orders = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var hosts = HostsOf(await resolver.ResolveAsync("shuffle.test", CancellationToken.None));
            Assert.Equal("first.shuffle.test", hosts[0].Name);
            orders.Add(string.Join(",", hosts.Skip(1).Select(h => h.Name)));
        }

        Assert.Equal(new HashSet<string> { "x.shuffle.test,y.shuffle.test", "y.shuffle.test,x.shuffle.test" }, orders);
    }

    [Fact]
    public async Task IPv4_addresses_come_before_IPv6()
    {
        var hosts = HostsOf(await Resolver().ResolveAsync("dual.test", CancellationToken.None));
        Assert.Equal([IPAddress.Parse("127.0.0.20"), IPAddress.IPv6Loopback], Assert.Single(hosts).Addresses);
    }

    [Fact]
    public async Task No_MX_means_the_domain_itself_is_the_host()
    {
        var hosts = HostsOf(await Resolver().ResolveAsync("implicit.test", CancellationToken.None));

        var host = Assert.Single(hosts);
        Assert.Equal("implicit.test", host.Name);
        Assert.Equal(0, host.Preference);
        Assert.Equal([IPAddress.Parse("127.0.0.30"), IPAddress.IPv6Loopback], host.Addresses);
    }

    [Fact]
    public async Task Null_MX_fails_permanently_with_5_1_10()
    {
        var failure = FailureOf(await Resolver().ResolveAsync("nullmx.test", CancellationToken.None));
        Assert.True(failure.Permanent);
        Assert.Equal("5.1.10", failure.EnhancedCode);
        Assert.Contains("null MX", failure.Text);
    }

    [Fact]
    public async Task Nonexistent_domain_fails_permanently_with_5_1_2()
    {
        var failure = FailureOf(await Resolver().ResolveAsync("no-such-domain.test", CancellationToken.None));
        Assert.True(failure.Permanent);
        Assert.Equal("5.1.2", failure.EnhancedCode);
    }

    [Fact]
    public async Task Domain_without_MX_or_address_fails_permanently_with_5_4_4()
    {
        var failure = FailureOf(await Resolver().ResolveAsync("noaddress.test", CancellationToken.None));
        Assert.True(failure.Permanent);
        Assert.Equal("5.4.4", failure.EnhancedCode);
    }

    [Fact]
    public async Task MX_host_that_does_not_resolve_is_skipped()
    {
        var hosts = HostsOf(await Resolver().ResolveAsync("partial.test", CancellationToken.None));
        Assert.Equal("ok.partial.test", Assert.Single(hosts).Name);
    }

    [Fact]
    public async Task All_MX_hosts_unresolvable_is_a_temporary_failure()
    {
        var failure = FailureOf(await Resolver().ResolveAsync("dangling.test", CancellationToken.None));
        Assert.False(failure.Permanent);
        Assert.Equal("4.4.3", failure.EnhancedCode);
    }

    [Fact]
    public async Task Refused_query_is_a_temporary_failure()
    {
        // Outside the served zone and without upstream servers dnsmasq answers REFUSED.
        var failure = FailureOf(await Resolver().ResolveAsync("elsewhere.example", CancellationToken.None));
        Assert.False(failure.Permanent);
        Assert.Equal("4.4.3", failure.EnhancedCode);
        Assert.Contains("Refused", failure.Text);
    }

    [Fact]
    public async Task Timeout_is_a_temporary_failure()
    {
        var started = DateTime.UtcNow;
        var resolver = Resolver(queryTimeout: TimeSpan.FromMilliseconds(300));
        var failure = FailureOf(await resolver.ResolveAsync("slow.timeout.test", CancellationToken.None));
        Assert.False(failure.Permanent);
        Assert.Equal("4.4.3", failure.EnhancedCode);
        Assert.True(DateTime.UtcNow - started < QueryTimeout, "the configured 300 ms timeout bounds the lookup");
    }

    [Fact]
    public async Task Resolution_is_cached_for_the_record_ttl()
    {
        var resolver = Resolver();
        await resolver.ResolveAsync("cached.test", CancellationToken.None);
        await _dns.WaitForQueryCountAsync("MX", "cached.test", 1);

        var again = HostsOf(await resolver.ResolveAsync("cached.test", CancellationToken.None));
        await AssertNoFurtherQueryAsync(resolver, "MX", "cached.test", 1, "marker1.test");
        Assert.Equal("mx.cached.test", Assert.Single(again).Name);
    }

    [Fact]
    public async Task Ttl_is_clamped_to_the_maximum_so_the_domain_is_queried_again_after_it()
    {
        var resolver = Resolver(maxTtl: TimeSpan.FromMilliseconds(200));
        var before = _dns.QueryCount("MX", "expiring.test");
        await resolver.ResolveAsync("expiring.test", CancellationToken.None);
        await resolver.ResolveAsync("expiring.test", CancellationToken.None);
        await AssertNoFurtherQueryAsync(resolver, "MX", "expiring.test", before + 1, "marker2.test");

        await Task.Delay(300);
        await resolver.ResolveAsync("expiring.test", CancellationToken.None);
        await _dns.WaitForQueryCountAsync("MX", "expiring.test", before + 2);
    }

    [Fact]
    public async Task Temporary_failures_are_remembered_briefly_unless_turned_off()
    {
        var before = _dns.QueryCount("MX", "brief.example");
        var caching = Resolver(temporaryFailureTtl: TimeSpan.FromSeconds(30));
        Assert.False(FailureOf(await caching.ResolveAsync("brief.example", CancellationToken.None)).Permanent);
        Assert.False(FailureOf(await caching.ResolveAsync("brief.example", CancellationToken.None)).Permanent);
        await AssertNoFurtherQueryAsync(caching, "MX", "brief.example", before + 1, "marker3.test");

        var notCaching = Resolver(temporaryFailureTtl: TimeSpan.Zero);
        await notCaching.ResolveAsync("brief.example", CancellationToken.None);
        await notCaching.ResolveAsync("brief.example", CancellationToken.None);
        await _dns.WaitForQueryCountAsync("MX", "brief.example", before + 3);
    }

    [Fact]
    public async Task Concurrent_resolutions_of_one_domain_share_one_lookup()
    {
        var resolver = Resolver();
        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => resolver.ResolveAsync("concurrent.test", CancellationToken.None)));

        Assert.All(results, r => Assert.Equal("mx.concurrent.test", Assert.Single(HostsOf(r)).Name));
        await _dns.WaitForQueryCountAsync("MX", "concurrent.test", 1);
        await Task.Delay(100);
        Assert.Equal(1, _dns.QueryCount("MX", "concurrent.test"));
    }

    [Fact]
    public async Task Caller_cancellation_stops_the_wait()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Resolver().ResolveAsync("cancel.timeout.test", cts.Token));
    }

    /// <summary>
    /// Proves that no query for <paramref name="name"/> beyond <paramref name="expected"/> reached the server:
    /// dnsmasq logs queries in arrival order, so once an uncached marker lookup sent afterwards is logged,
    /// any query the earlier resolutions made would already be in the log.
    /// </summary>
    private async Task AssertNoFurtherQueryAsync(MxResolver resolver, string type, string name, int expected, string marker)
    {
        var markers = _dns.QueryCount("MX", marker);
        await resolver.ResolveAsync(marker, CancellationToken.None);
        await _dns.WaitForQueryCountAsync("MX", marker, markers + 1);
        Assert.Equal(expected, _dns.QueryCount(type, name));
    }
}
