using System.Net;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public sealed class DeliverySettingsTests
{
    [Fact]
    public void The_shipped_configuration_gives_the_documented_defaults()
    {
        var s = DeliverySettings.FromConfig(NodeConfig.ActorMta());

        Assert.Empty(s.DnsServers);
        Assert.Equal("/etc/resolv.conf", s.ResolvConf);
        Assert.Equal(TimeSpan.FromSeconds(5), s.DnsTemporaryFailureTtl);
        Assert.Equal(TimeSpan.FromSeconds(5), s.ResolverOptions().TemporaryFailureTtl);
        Assert.Equal(25, s.RemoteSmtpPort);
        Assert.Equal(new[] { 1, 5, 15, 30, 60, 120, 240 }.Select(m => TimeSpan.FromMinutes(m)), s.RetrySchedule);
        Assert.Equal(0.1, s.RetryJitter);
        Assert.Equal(TimeSpan.FromDays(5), s.MaxAge);
        Assert.Equal(TimeSpan.FromHours(4), s.DelayWarningAfter);
        Assert.Equal("mail.localhost", s.HeloName);
        Assert.Equal(StartTlsMode.Opportunistic, s.StartTls);
        Assert.False(s.VerifyCertificates);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)), (s.ConnectTimeout, s.CommandTimeout, s.DataTimeout));
        Assert.Equal(TimeSpan.FromMinutes(1), s.DomainBackoff);
        Assert.Empty(s.Routes);
        Assert.Equal(new DomainThrottle(10, 100, 0, 1), s.ThrottleFor("anything.example"));
    }

    [Fact]
    public void The_dns_failure_cache_time_and_the_resolv_conf_path_come_from_the_configuration()
    {
        var s = DeliverySettings.FromConfig(NodeConfig.ActorMta(
            "actormta.delivery { dns-temporary-failure-ttl = 750ms, resolv-conf = \"/tmp/other-resolv.conf\" }"));
        Assert.Equal(TimeSpan.FromMilliseconds(750), s.ResolverOptions().TemporaryFailureTtl);
        Assert.Equal("/tmp/other-resolv.conf", s.ResolverOptions().ResolvConf);
    }

    [Fact]
    public void Quoted_domain_keys_and_the_wildcard_work_in_routes_and_throttles()
    {
        var s = DeliverySettings.FromConfig(NodeConfig.ActorMta("""
            actormta.hostname = "mx.here.example"
            actormta.delivery {
              dns-servers = ["127.0.0.1:5353", "10.0.0.1"]
              remote-smtp-port = 2525
              helo-name = "out.here.example"
              starttls = required
              routes {
                "example.org" = "smarthost.example.org:587"
                "Upper.Example" = "10.1.2.3"
                "*" = "relay:26"
              }
              throttles {
                "*" { max-connections = 4 }
                "big.example" { max-connections = 8, max-messages-per-minute = 600, partitions = 4 }
              }
            }
            """));

        Assert.Equal([IPEndPoint.Parse("127.0.0.1:5353"), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53)], s.DnsServers);
        Assert.Equal(new SmtpRoute("smarthost.example.org", 587), s.RouteFor("example.org"));
        Assert.Equal(new SmtpRoute("10.1.2.3", 2525), s.RouteFor("upper.example"));
        Assert.Equal(new SmtpRoute("relay", 26), s.RouteFor("elsewhere.example"));
        Assert.Equal("out.here.example", s.HeloName);
        Assert.Equal(StartTlsMode.Required, s.StartTls);
        // A domain entry takes what it leaves out from "*", and "*" from the built-in defaults.
        Assert.Equal(new DomainThrottle(4, 100, 0, 1), s.ThrottleFor("small.example"));
        var big = s.ThrottleFor("BIG.example.");
        Assert.Equal(new DomainThrottle(8, 100, 600, 4), big);
        Assert.Equal(new DomainThrottle(2, 100, 150, 1), big.PerPartition());
    }

    [Fact]
    public void Helo_name_falls_back_to_the_hostname_and_no_route_means_mx()
    {
        var s = DeliverySettings.FromConfig(NodeConfig.ActorMta("actormta.hostname = \"mx.here.example\""));
        Assert.Equal("mx.here.example", s.HeloName);
        Assert.Null(s.RouteFor("example.org"));
    }

    [Fact]
    public void Bad_values_are_refused_at_start_up()
    {
        Assert.Throws<ConfigurationException>(() => DeliverySettings.FromConfig(NodeConfig.ActorMta("actormta.delivery.starttls = sometimes")));
        Assert.Throws<ConfigurationException>(() => DeliverySettings.FromConfig(NodeConfig.ActorMta("actormta.delivery.retry-schedule = []")));
        Assert.Throws<ConfigurationException>(() => DeliverySettings.FromConfig(NodeConfig.ActorMta("actormta.delivery.routes { \"a.example\" = \"host:99999\" }")));
        Assert.Throws<ConfigurationException>(() => DeliverySettings.FromConfig(NodeConfig.ActorMta("actormta.delivery.throttles { \"a.example\" { max-connections = 0 } }")));
    }

    [Fact]
    public void Retry_delays_follow_the_schedule_with_the_last_interval_repeating_and_bounded_jitter()
    {
        var s = new DeliverySettings { RetrySchedule = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10)], RetryJitter = 0.1 };
        var random = new Random(7);

        var first = Enumerable.Range(0, 200).Select(_ => s.RetryDelay(1, random)).ToList();
        var later = Enumerable.Range(0, 200).Select(_ => s.RetryDelay(9, random)).ToList();

        Assert.All(first, d => Assert.InRange(d, TimeSpan.FromSeconds(54), TimeSpan.FromSeconds(66)));
        Assert.All(later, d => Assert.InRange(d, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11)));
        Assert.True(first.Distinct().Count() > 100, "jitter spreads the delays");
        Assert.Equal(TimeSpan.FromMinutes(10), (s with { RetryJitter = 0 }).RetryDelay(2, random));
    }

    [Fact]
    public void Partitions_are_stable_and_spread_messages_evenly()
    {
        Assert.Equal("example.org", QueuePartitions.QueueNameFor("Example.ORG", "ABC", 1));
        var ids = Enumerable.Range(0, 4000).Select(i => "Q" + i).ToList();
        var counts = ids.GroupBy(id => QueuePartitions.QueueNameFor("big.example", id, 4)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(["big.example#0", "big.example#1", "big.example#2", "big.example#3"], counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 800, 1200));
        Assert.Equal(QueuePartitions.QueueNameFor("big.example", "Q17", 4), QueuePartitions.QueueNameFor("big.example", "Q17", 4));
        Assert.Equal("big.example", QueuePartitions.DomainOf("big.example#3"));
        Assert.Equal("big.example", QueuePartitions.DomainOf("big.example"));
    }

    [Fact]
    public void The_token_bucket_allows_a_minutes_budget_then_refills_evenly()
    {
        var start = DateTimeOffset.UnixEpoch;
        var bucket = new TokenBucket(60, start);

        Assert.Equal(60, bucket.Take(100, start));
        Assert.Equal(0, bucket.Take(1, start));
        Assert.Equal(start + TimeSpan.FromSeconds(1), bucket.NextTokenAt(start));
        Assert.Equal(5, bucket.Take(10, start + TimeSpan.FromSeconds(5)));
        Assert.Equal(1000, new TokenBucket(0, start).Take(1000, start));
    }

    [Fact]
    public void The_delivery_log_line_has_every_field_on_one_line()
    {
        var line = DeliveryLog.Line("Q1", "bob@example.org", "mx.example.org", new SmtpReply(550, "5.1.1", ["No such \"user\"", "here"]), 42);

        Assert.Equal("delivery queue-id=Q1 rcpt=bob@example.org mx=mx.example.org result=550 status=5.1.1 text=\"No such \\\"user\\\" here\" latency-ms=42", line);
        Assert.Contains("mx=- ", DeliveryLog.Line("Q1", "a@b", null, new SmtpReply(451, null, "x"), 0));
    }
}
