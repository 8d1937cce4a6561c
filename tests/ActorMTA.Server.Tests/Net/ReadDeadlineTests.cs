using System.Net;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Net;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Net;

/// <summary>The pure parts of the read deadlines: the minimum pace, the stress threshold and the stress deadlines.</summary>
public class ReadDeadlineTests
{
    [Fact]
    public void A_transfer_is_behind_its_pace_once_the_grace_period_and_the_time_its_bytes_earned_are_over()
    {
        var pace = new TransferPace(1000, TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(10), pace.BehindAt(0));
        Assert.Equal(TimeSpan.FromSeconds(10), pace.BehindAt(5000));
        Assert.Equal(TimeSpan.FromSeconds(25), pace.BehindAt(25_000));
        Assert.Null(TransferPace.None.BehindAt(0));
    }

    [Fact]
    public void The_limiter_is_under_stress_from_the_threshold_on()
    {
        var limiter = ConnectionLimiter.WithStressAt(10, 10, 0.5);
        for (var i = 0; i < 4; i++) Assert.True(limiter.TryAcquire(IPAddress.Loopback));
        Assert.False(limiter.UnderStress);
        Assert.True(limiter.TryAcquire(IPAddress.Loopback));
        Assert.True(limiter.UnderStress);
        limiter.Release(IPAddress.Loopback);
        Assert.False(limiter.UnderStress);
        Assert.False(ConnectionLimiter.WithStressAt(10, 10, 0).UnderStress);
    }

    [Fact]
    public void Stress_deadlines_apply_only_under_stress_and_only_when_shorter()
    {
        var deadlines = StressDeadlines.FromConfig(ConfigurationFactory.ParseString("stress-command-timeout = 10s, stress-data-timeout = 2m, min-data-rate = 0"));
        Assert.Equal(TimeSpan.FromMinutes(5), deadlines.CommandTimeout(TimeSpan.FromMinutes(5), underStress: false));
        Assert.Equal(TimeSpan.FromSeconds(10), deadlines.CommandTimeout(TimeSpan.FromMinutes(5), underStress: true));
        Assert.Equal(TimeSpan.FromSeconds(3), deadlines.CommandTimeout(TimeSpan.FromSeconds(3), underStress: true));
        Assert.Equal(TimeSpan.FromMinutes(2), deadlines.DataTimeout(TimeSpan.FromMinutes(10), underStress: true));
        Assert.Same(TransferPace.None, deadlines.Pace);
    }
}
