using System.Diagnostics;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// actormta.shaping enforced over real DNS and a real receiver: many domains whose MX records name the same hosts
/// share one site's connections (MX rollup), a provider's sites share its provider-wide limit, and a site's message
/// rate holds in every second. Each domain's own queue would open up to 4 connections (the bed's delivery.throttles),
/// so only the shared throttle keeps the receiver's counts down.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SiteShapingTests(ITestOutputHelper output)
{
    private static readonly TestUser Sender = TestUser.Local("shaping-sender");

    [Fact]
    public async Task Ten_domains_on_one_mx_site_share_its_connection_limit()
    {
        var domains = Enumerable.Range(0, 10).Select(i => new RemoteDomain($"d{i}.rollup.test", "127.0.0.3", MxName: "mx.rollup-site.test")).ToList();
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender],
            overrides: """actormta.shaping.default { connection-limit = 3, messages-per-connection = 10, message-rate = unlimited, connection-rate = unlimited }""");
        var receiver = bed.Receiver("127.0.0.3");
        receiver.ResponseDelay = TimeSpan.FromMilliseconds(2);

        var messages = Enumerable.Range(0, 300)
            .Select(i => ($"user@d{i % 10}.rollup.test", DeliveryTestBed.Message(Sender.Address, $"user@d{i % 10}.rollup.test", $"rollup-{i:D3}-{Guid.NewGuid():N}")))
            .ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 10);
        await receiver.WaitForMessagesAsync(messages.Count, TimeSpan.FromSeconds(90));

        output.WriteLine($"{receiver.TotalConnections} connections, at most {receiver.MaxConcurrentConnections} at once");
        Assert.True(receiver.MaxConcurrentConnections <= 3, $"the site saw {receiver.MaxConcurrentConnections} connections at once");
        // 10 per connection: the limit was reached by queueing, not by sending everything over one connection.
        Assert.True(receiver.TotalConnections >= 30, $"{receiver.TotalConnections} connections for 300 messages at 10 per connection");
        Assert.Equal(10, receiver.Messages.SelectMany(m => m.Recipients).Select(r => r.Split('@')[1]).Distinct().Count());
    }

    [Fact]
    public async Task Two_sites_of_one_provider_share_its_provider_connection_limit()
    {
        // Two MX names, so two sites, on one receiver address: the receiver's peak is the provider's total.
        var domains = Enumerable.Range(0, 6)
            .Select(i => new RemoteDomain($"p{i}.provider.test", "127.0.0.4", MxName: i % 2 == 0 ? "mx1.acme-mail.test" : "mx2.acme-mail.test"))
            .ToList();
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender],
            overrides: """
                actormta.shaping {
                  default { message-rate = unlimited, connection-rate = unlimited, messages-per-connection = 5 }
                  providers.acme { match = [".acme-mail.test"], connection-limit = 3, provider-connection-limit = 4 }
                }
                """);
        var receiver = bed.Receiver("127.0.0.4");
        receiver.ResponseDelay = TimeSpan.FromMilliseconds(2);

        var messages = Enumerable.Range(0, 240)
            .Select(i => ($"user@p{i % 6}.provider.test", DeliveryTestBed.Message(Sender.Address, $"user@p{i % 6}.provider.test", $"provider-{i:D3}-{Guid.NewGuid():N}")))
            .ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 10);
        await receiver.WaitForMessagesAsync(messages.Count, TimeSpan.FromSeconds(90));

        output.WriteLine($"{receiver.TotalConnections} connections, at most {receiver.MaxConcurrentConnections} at once");
        Assert.True(receiver.MaxConcurrentConnections <= 4, $"the provider saw {receiver.MaxConcurrentConnections} connections at once");
        Assert.True(receiver.MaxConcurrentConnections >= 2, "both sites should have been sending at once");

        var show = bed.Ctl("shaping", "show", "p1.provider.test");
        Assert.Contains("provider-connection-limit  4 (provider)", show);
    }

    [Fact]
    public async Task A_site_message_rate_holds_in_every_second()
    {
        var domains = Enumerable.Range(0, 4).Select(i => new RemoteDomain($"r{i}.rate.test", "127.0.0.6", MxName: "mx.rate-site.test")).ToList();
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender],
            overrides: """actormta.shaping.default { message-rate = "20/s", connection-rate = unlimited }""");
        var receiver = bed.Receiver("127.0.0.6");

        const int count = 100;
        var messages = Enumerable.Range(0, count)
            .Select(i => ($"user@r{i % 4}.rate.test", DeliveryTestBed.Message(Sender.Address, $"user@r{i % 4}.rate.test", $"rate-{i:D3}-{Guid.NewGuid():N}")))
            .ToList();
        var watch = Stopwatch.StartNew();
        await bed.SubmitManyAsync(Sender, messages, sessions: 8);
        var received = await receiver.WaitForMessagesAsync(count, TimeSpan.FromSeconds(60));
        output.WriteLine($"{count} delivered in {watch.Elapsed.TotalSeconds:F1} s");

        var (busiest, span) = Spread(received.Select(m => m.ReceivedAt), Window);
        output.WriteLine($"busiest {Window.TotalSeconds:F0} s: {busiest} messages; first to last {span:F2} s");
        // The receiver sees arrivals, not grants: a grant's message reaches it up to ArrivalJitter later (seen in CI:
        // a loaded host held deliveries for ~0.6 s, then 32 arrived within one second at 20/s). So any Window holds
        // at most what was granted in Window + ArrivalJitter, plus the bucket's one-token burst. Unthrottled, or at
        // twice the rate, 100 messages would break that; over the whole run the rate is within 10 %.
        Assert.True(busiest <= 20 * (Window + ArrivalJitter).TotalSeconds + 1, $"{busiest} messages within {Window.TotalSeconds} s at 20/s");
        Assert.True((count - 1) / span <= 22, $"{count} messages in {span:F2} s at 20/s");
    }

    [Fact]
    public async Task A_domain_entry_message_rate_holds_for_that_domain_only()
    {
        // Two domains on one site: the site is unlimited, the slow domain's own entry allows 10 a second.
        var domains = new[] { new RemoteDomain("slow.rate2.test", "127.0.0.111", MxName: "mx.rate2-site.test"), new RemoteDomain("fast.rate2.test", "127.0.0.111", MxName: "mx.rate2-site.test") };
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender],
            overrides: """
                actormta.shaping {
                  default { message-rate = unlimited, connection-rate = unlimited }
                  domains { "slow.rate2.test" { message-rate = "10/s" } }
                }
                """);
        var receiver = bed.Receiver("127.0.0.111");

        var messages = Enumerable.Range(0, 80)
            .Select(i => i % 2 == 0 ? "slow" : "fast")
            .Select((d, i) => ($"user@{d}.rate2.test", DeliveryTestBed.Message(Sender.Address, $"user@{d}.rate2.test", $"rate2-{i:D2}-{Guid.NewGuid():N}")))
            .ToList();
        await bed.SubmitManyAsync(Sender, messages, sessions: 8);
        var received = await receiver.WaitForMessagesAsync(messages.Count, TimeSpan.FromSeconds(60));

        var slow = Spread(received.Where(m => m.Recipients[0].EndsWith("@slow.rate2.test", StringComparison.Ordinal)).Select(m => m.ReceivedAt), Window);
        var fast = Spread(received.Where(m => m.Recipients[0].EndsWith("@fast.rate2.test", StringComparison.Ordinal)).Select(m => m.ReceivedAt), TimeSpan.FromSeconds(1));
        output.WriteLine($"slow: busiest {Window.TotalSeconds:F0} s {slow.Busiest}, span {slow.Span:F2} s; fast: busiest second {fast.Busiest}, span {fast.Span:F2} s");
        // 40 at 10/s, with the tolerance of the site-rate test above: what was granted in Window + ArrivalJitter plus
        // the one-token burst (40 at once would break it), and within 10 % over the whole run.
        Assert.True(slow.Busiest <= 10 * (Window + ArrivalJitter).TotalSeconds + 1, $"{slow.Busiest} slow-domain messages within {Window.TotalSeconds} s at 10/s");
        Assert.True(39 / slow.Span <= 11, $"40 slow-domain messages in {slow.Span:F2} s at 10/s");
        Assert.True(fast.Busiest > 12, $"the other domain of the site was held back too: busiest second {fast.Busiest}");
    }

    [Fact]
    public async Task A_provider_entry_requiring_tls_holds_mail_until_the_site_offers_starttls()
    {
        var domains = new[] { new RemoteDomain("strict.tls2.test", "127.0.0.112", MxName: "mx1.strict-tls.test") };
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender],
            overrides: """actormta.shaping.providers.strict { match = [".strict-tls.test"], tls = required }""");
        var receiver = bed.Receiver("127.0.0.112");

        await bed.SubmitAsync(Sender, ["a@strict.tls2.test"], DeliveryTestBed.Message(Sender.Address, "a@strict.tls2.test", $"tls2-{Guid.NewGuid():N}"));
        var queued = await bed.WaitForQueueAsync("strict.tls2.test", m => m.Count == 1 && m[0]["attempts"]!.GetValue<int>() > 0, TimeSpan.FromSeconds(20), "a failed attempt");
        output.WriteLine(queued[0]["last_result"]?.ToString());
        Assert.Contains("TLS", queued[0]["last_result"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(receiver.Messages);
        Assert.Contains("tls                        required (provider)", bed.Ctl("shaping", "show", "strict.tls2.test"));

        receiver.EnableStartTls();
        var received = await receiver.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        Assert.True(received[0].Tls, "the message went without TLS");
    }

    [Fact]
    public async Task A_domain_entry_idle_timeout_of_zero_closes_its_connections_when_they_run_dry()
    {
        var domains = new[] { new RemoteDomain("quit.idle2.test", "127.0.0.113"), new RemoteDomain("stay.idle2.test", "127.0.0.114") };
        await using var bed = await DeliveryTestBed.StartAsync(domains, [Sender],
            overrides: """
                actormta.shaping.default.idle-timeout = 20s
                actormta.shaping.domains { "quit.idle2.test" { idle-timeout = 0s } }
                """);
        var quit = bed.Receiver("127.0.0.113");
        var stay = bed.Receiver("127.0.0.114");

        await bed.SubmitAsync(Sender, ["a@quit.idle2.test", "b@stay.idle2.test"], DeliveryTestBed.Message(Sender.Address, "a@quit.idle2.test", $"idle2-{Guid.NewGuid():N}"));
        await quit.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20));
        await stay.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (quit.CurrentConnections > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, quit.CurrentConnections);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, stay.CurrentConnections);
    }

    /// <summary>The window the rate tests count arrivals in, and how late a granted message may reach the receiver.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2), ArrivalJitter = TimeSpan.FromSeconds(1);

    /// <summary>The most arrivals within any <paramref name="window"/>, and the time from the first to the last.</summary>
    private static (int Busiest, double Span) Spread(IEnumerable<DateTimeOffset> arrivals, TimeSpan window)
    {
        var times = arrivals.Order().ToArray();
        return (times.Select((t, i) => times.Skip(i).TakeWhile(u => u - t < window).Count()).Max(), (times[^1] - times[0]).TotalSeconds);
    }
}
