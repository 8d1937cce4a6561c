using ActorMTA.Server.Delivery.Shaping;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class ShapingRateTests
{
    [Theory]
    [InlineData("50/s", 50, 1)]
    [InlineData("3000/min", 3000, 60)]
    [InlineData("100/h", 100, 3600)]
    [InlineData(" 10 / minute ", 10, 60)]
    [InlineData("2000/d", 2000, 86400)]
    public void Rates_are_count_per_unit(string text, long count, int seconds)
    {
        var rate = ShapingRate.Parse(text, "k");
        Assert.Equal(new ShapingRate(count, TimeSpan.FromSeconds(seconds)), rate);
        Assert.Equal((double)count / seconds, rate.PerSecond, 9);
    }

    [Fact]
    public void Rates_print_as_written_and_compare_by_throughput()
    {
        Assert.Equal("3000/min", ShapingRate.Parse("3000/min", "k").ToString());
        Assert.Equal("unlimited", ShapingRate.Parse("Unlimited", "k").ToString());
        Assert.True(ShapingRate.Parse("10/min", "k").IsSlowerThan(ShapingRate.Parse("1/s", "k")));
        Assert.False(ShapingRate.Parse("60/min", "k").IsSlowerThan(ShapingRate.Parse("1/s", "k")));
        Assert.True(ShapingRate.Parse("1000000/s", "k").IsSlowerThan(ShapingRate.Unlimited));
        Assert.False(ShapingRate.Unlimited.IsSlowerThan(ShapingRate.Parse("1/d", "k")));
    }

    [Theory]
    [InlineData("50")]
    [InlineData("50/week")]
    [InlineData("fast/s")]
    [InlineData("-5/s")]
    [InlineData("0/s")]
    [InlineData("1.5/s")]
    [InlineData("")]
    public void Bad_rates_are_rejected_naming_the_key(string text)
    {
        var e = Assert.Throws<FormatException>(() => ShapingRate.Parse(text, "actormta.shaping.default.message-rate"));
        Assert.StartsWith("actormta.shaping.default.message-rate: ", e.Message);
        Assert.Contains($"'{text}'", e.Message);
    }
}
