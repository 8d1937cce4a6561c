using ActorMTA.Server.Delivery.Shaping;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class RateBucketTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static ShapingRate Rate(string text) => ShapingRate.Parse(text, "test");

    [Theory]
    [InlineData("50/s", 2)]
    [InlineData("1000/s", 50)]
    [InlineData("20/s", 1)]
    [InlineData("39/s", 1)]
    [InlineData("40/s", 2)]
    [InlineData("3000/min", 2)]
    [InlineData("60000/min", 50)]
    [InlineData("1/s", 1)]
    [InlineData("1/h", 1)]
    [InlineData("1/d", 1)]
    public void The_capacity_is_50_ms_at_the_rate_and_at_least_one(string rate, int capacity)
    {
        var bucket = new RateBucket(Rate(rate), Start);

        Assert.Equal(capacity, bucket.Capacity);
        Assert.Equal(capacity, bucket.Take(int.MaxValue, Start));
    }

    [Fact]
    public void A_new_bucket_is_full_and_take_never_gives_more_than_is_there()
    {
        var bucket = new RateBucket(Rate("1000/s"), Start);
        Assert.True(bucket.Full(Start));

        Assert.Equal(30, bucket.Take(30, Start));
        Assert.False(bucket.Full(Start));
        Assert.Equal(20, bucket.Take(30, Start));
        Assert.Equal(0, bucket.Take(1, Start));
        Assert.Equal(0, bucket.Take(0, Start));
    }

    [Fact]
    public void Tokens_come_back_at_the_rate_and_only_whole_ones_are_given()
    {
        var bucket = new RateBucket(Rate("50/s"), Start);
        Assert.Equal(2, bucket.Take(2, Start));

        Assert.Equal(0, bucket.Take(5, Start.AddMilliseconds(10)));
        Assert.Equal(1, bucket.Take(5, Start.AddMilliseconds(20)));
        Assert.Equal(0, bucket.Take(5, Start.AddMilliseconds(30)));
        Assert.Equal(2, bucket.Take(5, Start.AddMilliseconds(70)));
    }

    [Fact]
    public void Refill_stops_at_the_capacity_however_long_the_bucket_rests()
    {
        var bucket = new RateBucket(Rate("1000/s"), Start);
        Assert.Equal(50, bucket.Take(50, Start));

        Assert.False(bucket.Full(Start.AddMilliseconds(49)));
        Assert.True(bucket.Full(Start.AddMilliseconds(50)));
        Assert.Equal(50, bucket.Take(1000, Start.AddHours(1)));
        Assert.Equal(0, bucket.Take(1, Start.AddHours(1)));
    }

    [Fact]
    public void A_clock_that_stands_still_or_goes_back_adds_nothing()
    {
        var bucket = new RateBucket(Rate("50/s"), Start.AddSeconds(1));
        Assert.Equal(2, bucket.Take(2, Start.AddSeconds(1)));

        Assert.Equal(0, bucket.Take(1, Start.AddSeconds(1)));
        Assert.Equal(0, bucket.Take(1, Start));
        Assert.Equal(0, bucket.Take(1, Start));
    }

    [Theory]
    [InlineData("50/s")]
    [InlineData("1000/s")]
    [InlineData("7/s")]
    [InlineData("3000/min")]
    [InlineData("100/min")]
    public void Over_ten_seconds_of_requests_every_10_ms_no_more_than_the_rate_plus_one_burst_gets_through(string text)
    {
        var rate = Rate(text);
        var bucket = new RateBucket(rate, Start);
        var allowed = rate.PerSecond * 10;

        var granted = 0L;
        var maxInOneSecond = 0;
        var perTick = new Queue<int>();
        for (var ms = 0; ms <= 10_000; ms += 10)
        {
            var got = bucket.Take(1000, Start.AddMilliseconds(ms));
            Assert.InRange(got, 0, bucket.Capacity);
            granted += got;
            perTick.Enqueue(got);
            if (perTick.Count > 100) perTick.Dequeue();
            maxInOneSecond = Math.Max(maxInOneSecond, perTick.Sum());
        }

        Assert.True(granted <= allowed + bucket.Capacity, $"{granted} granted at {text}");
        // Not starved either; what refills while the bucket is full is lost, so a 7/s bucket asked every 10 ms
        // gives one token per 150 ms, not per 142.9.
        Assert.True(granted >= 0.9 * allowed, $"only {granted} granted at {text}");
        Assert.True(maxInOneSecond <= rate.PerSecond + bucket.Capacity, $"{maxInOneSecond} in one second at {text}");
    }

    [Fact]
    public void Until_next_token_is_zero_with_a_token_there_else_the_time_the_missing_fraction_takes()
    {
        var bucket = new RateBucket(Rate("50/s"), Start);
        Assert.Equal(TimeSpan.Zero, bucket.UntilNextToken(Start));

        bucket.Take(2, Start);
        Assert.Equal(20, bucket.UntilNextToken(Start).TotalMilliseconds, 3);
        Assert.Equal(5, bucket.UntilNextToken(Start.AddMilliseconds(15)).TotalMilliseconds, 3);
        Assert.Equal(TimeSpan.Zero, bucket.UntilNextToken(Start.AddMilliseconds(20)));

        var hourly = new RateBucket(Rate("1/h"), Start);
        hourly.Take(1, Start);
        Assert.Equal(3600, hourly.UntilNextToken(Start).TotalSeconds, 3);
        Assert.Equal(600, hourly.UntilNextToken(Start.AddMinutes(50)).TotalSeconds, 3);
    }

    [Theory]
    [InlineData("3/s")]
    [InlineData("7/s")]
    [InlineData("50/s")]
    [InlineData("13/min")]
    [InlineData("3000/min")]
    [InlineData("7/h")]
    public void Whoever_waits_as_long_as_until_next_token_says_is_never_told_zero_without_a_token(string text)
    {
        var bucket = new RateBucket(Rate(text), Start);
        var now = Start;
        var granted = 0;

        for (var i = 0; i < 200; i++)
        {
            var got = bucket.Take(1, now);
            granted += got;
            var wait = bucket.UntilNextToken(now);
            if (got == 0) Assert.True(wait > TimeSpan.Zero, $"{text}: no token at {now - Start}, yet told to wait {wait}");
            now += wait;
        }

        // A waiter that is told a tiny wait after a rounding shortfall still gets a token nearly every time.
        Assert.True(granted >= 100, $"{text}: only {granted} of 200 attempts got a token");
    }

    [Fact]
    public void An_unlimited_rate_grants_everything_and_never_waits()
    {
        var bucket = new RateBucket(ShapingRate.Unlimited, Start);

        Assert.Equal(int.MaxValue, bucket.Capacity);
        Assert.Equal(1_000_000, bucket.Take(1_000_000, Start));
        Assert.Equal(int.MaxValue, bucket.Take(int.MaxValue, Start));
        Assert.Equal(TimeSpan.Zero, bucket.UntilNextToken(Start));
        Assert.True(bucket.Full(Start));
        bucket.Return(5);
        Assert.True(bucket.Full(Start));
    }

    [Fact]
    public void Returned_tokens_are_there_again_but_never_above_the_capacity()
    {
        var bucket = new RateBucket(Rate("1000/s"), Start);
        Assert.Equal(50, bucket.Take(50, Start));

        bucket.Return(10);
        Assert.Equal(10, bucket.Take(50, Start));

        bucket.Take(50, Start);
        bucket.Return(500);
        Assert.True(bucket.Full(Start));
        Assert.Equal(50, bucket.Take(500, Start));
    }

    [Fact]
    public void Returning_nothing_or_a_negative_count_takes_nothing_away()
    {
        var bucket = new RateBucket(Rate("50/s"), Start);
        bucket.Take(2, Start);

        bucket.Return(0);
        bucket.Return(-5);

        Assert.Equal(1, bucket.Take(5, Start.AddMilliseconds(20)));
    }
}
