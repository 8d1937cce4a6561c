using System.Net;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>
/// Which resolver failures are permanent and which defer (issue 15): only an invalid name, NXDOMAIN of the domain
/// itself, a null MX and a domain without MX or address records bounce; no resolver, SERVFAIL, REFUSED, timeouts,
/// truncation and any error of the DNS library defer with 4.4.3.
/// </summary>
public sealed class DnsFailureClassificationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "actormta-dns-" + Guid.NewGuid().ToString("N")[..12]);

    public DnsFailureClassificationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static MxResolverOptions Options(params IPEndPoint[] servers) =>
        new(servers, TimeSpan.FromMilliseconds(500), 0, TimeSpan.Zero, TimeSpan.FromHours(1)) { TemporaryFailureTtl = TimeSpan.Zero };

    private static MxResolution.Failure FailureOf(MxResolution resolution) => Assert.IsType<MxResolution.Failure>(resolution);

    private static void AssertDeferred(MxResolution.Failure failure)
    {
        Assert.False(failure.Permanent, failure.ToString());
        Assert.Equal("4.4.3", failure.EnhancedCode);
        Assert.Equal(451, failure.ReplyCode);
    }

    [Fact]
    public async Task No_usable_resolver_defers_with_4_4_3_and_names_the_reason()
    {
        var missing = Path.Combine(_dir, "resolv.conf");
        var servers = new NameServers([], missing);
        var resolver = new MxResolver(Options(), servers: servers);

        var failure = FailureOf(await resolver.ResolveAsync("example.test", CancellationToken.None));

        AssertDeferred(failure);
        Assert.Contains("no usable DNS resolver", failure.Text);
        Assert.False(servers.Current().IsUsable);
        Assert.StartsWith("dns: no usable resolver (", servers.Current().Describe());
        Assert.Contains(missing, servers.Current().Describe());
    }

    [Fact]
    public async Task A_route_host_without_a_usable_resolver_resolves_to_nothing_instead_of_throwing()
    {
        var resolver = new HostAddressResolver(Options(), new NameServers([], Path.Combine(_dir, "none.conf")));
        Assert.Empty(await resolver.ResolveAsync("smarthost.example", CancellationToken.None));
        Assert.Equal([IPAddress.Loopback], await resolver.ResolveAsync("127.0.0.1", CancellationToken.None));
    }

    [Fact]
    public async Task A_resolv_conf_without_nameserver_lines_is_no_usable_resolver_until_one_is_written()
    {
        var path = Path.Combine(_dir, "resolv.conf");
        await File.WriteAllTextAsync(path, "# nothing here\nsearch example.test\n");
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var servers = new NameServers([], path, time);
        Assert.False(servers.Current().IsUsable);
        Assert.Contains("no nameserver line", servers.Current().Source);

        await File.WriteAllTextAsync(path, "nameserver 127.0.0.53\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([new IPEndPoint(IPAddress.Parse("127.0.0.53"), 53)], servers.Current().Servers);
    }

    [Fact]
    public void Resolv_conf_nameserver_lines_are_read_and_everything_else_skipped()
    {
        var servers = NameServers.ParseResolvConf("""
            # generated
            search example.test
            nameserver 10.0.0.1   # first
            nameserver	::1
            ; nameserver 10.0.0.9
            nameserver 0.0.0.0
            nameserver not-an-address
            nameserver 10.0.0.1
            options ndots:2
            """.Replace("\n", "\r\n"));
        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53), new IPEndPoint(IPAddress.IPv6Loopback, 53)], servers);
    }

    [Fact]
    public void Configured_servers_win_over_resolv_conf()
    {
        var configured = new IPEndPoint(IPAddress.Loopback, 5353);
        var set = new NameServers([configured], Path.Combine(_dir, "missing")).Current();
        Assert.True(set.IsUsable);
        Assert.Equal([configured], set.Servers);
        Assert.Equal("dns: 127.0.0.1:5353 (from dns-servers)", set.Describe());
    }

    [Theory]
    [InlineData(DnsFault.ServFail)]
    [InlineData(DnsFault.Refused)]
    [InlineData(DnsFault.NoAnswer)]
    [InlineData(DnsFault.Truncated)]
    [InlineData(DnsFault.Garbage)]
    public async Task A_broken_resolver_defers_with_4_4_3(DnsFault fault)
    {
        using var dns = new FaultyDnsServer(fault: fault);
        var resolver = new MxResolver(Options(dns.EndPoint));
        AssertDeferred(FailureOf(await resolver.ResolveAsync("broken.test", CancellationToken.None)));
        // The server may read the query late on a busy machine (after the client gave up): wait for it a little.
        for (var i = 0; i < 40 && dns.QueryCount("MX", "broken.test") == 0; i++) await Task.Delay(50);
        Assert.True(dns.QueryCount("MX", "broken.test") >= 1, "the query reached the server: " + string.Join(", ", dns.Queries));
    }

    [Theory]
    [InlineData("a..b.test")]
    [InlineData("label-of-more-than-sixty-three-characters-is-not-allowed-in-dns-names.test")]
    [InlineData("with space.test")]
    public async Task An_invalid_domain_name_is_permanent_without_any_query(string domain)
    {
        using var dns = new FaultyDnsServer(fault: DnsFault.ServFail);
        var failure = FailureOf(await new MxResolver(Options(dns.EndPoint)).ResolveAsync(domain, CancellationToken.None));
        Assert.True(failure.Permanent);
        Assert.Equal("5.1.2", failure.EnhancedCode);
        Assert.Equal(0, dns.QueryCount("MX", domain));
    }

    [Theory]
    [InlineData("example.test", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("bücher.example", true)]
    [InlineData("", false)]
    [InlineData("a..b", false)]
    public void Domain_name_syntax(string name, bool valid) => Assert.Equal(valid, MxResolver.IsValidDomainName(name));

    [Theory]
    [InlineData("0123ABCD.D1", true)]
    [InlineData("0123ABCD.B1.D2", true)]
    [InlineData("0123ABCD.B1", false)]
    [InlineData("0123ABCD.D", false)]
    [InlineData("0123ABCD", false)]
    [InlineData("0123ABCD.W", false)]
    public void Double_bounces_are_known_by_their_queue_id(string queueId, bool isDoubleBounce)
    {
        Assert.Equal(isDoubleBounce, DoubleBounce.IsDoubleBounce(queueId));
        Assert.True(DoubleBounce.IsDoubleBounce(DoubleBounce.QueueIdFor(queueId, 1)));
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;
        public void Advance(TimeSpan by) => _now += by;
        public override DateTimeOffset GetUtcNow() => _now;
    }
}
