using ActorMTA.Server.Delivery.Shaping;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class WeightedRoundRobinTests
{
    public static TheoryData<int[]> Weights => new() { new[] { 3, 1 }, new[] { 5, 3, 2 }, new[] { 1 }, new[] { 7, 1, 1, 4 } };

    [Theory]
    [MemberData(nameof(Weights))]
    public void Every_prefix_of_2000_picks_gives_each_member_its_share_within_one(int[] weights)
    {
        var rotation = new WeightedRoundRobin<int>(weights.Select((w, i) => (i, w)));
        var total = weights.Sum();
        var counts = new int[weights.Length];

        for (var n = 1; n <= 2000; n++)
        {
            counts[rotation.Next()]++;
            for (var i = 0; i < weights.Length; i++)
                Assert.InRange(counts[i], (double)n * weights[i] / total - 1, (double)n * weights[i] / total + 1);
        }
        // 2,000 is a multiple of both totals here (4 and 10), so the split is exact.
        if (2000 % total == 0) Assert.Equal(weights.Select(w => 2000 * w / total), counts);
    }

    [Fact]
    public void Picks_are_interleaved_not_bunched()
    {
        var rotation = new WeightedRoundRobin<string>([("a", 5), ("b", 1), ("c", 1)]);

        // nginx's documented sequence for weights 5, 1, 1.
        Assert.Equal(["a", "a", "b", "a", "c", "a", "a"], Enumerable.Range(0, 7).Select(_ => rotation.Next()));
    }

    [Fact]
    public void Members_of_weight_zero_are_never_picked_and_a_rotation_needs_one_of_positive_weight()
    {
        var rotation = new WeightedRoundRobin<string>([("off", 0), ("on", 2)]);
        Assert.All(Enumerable.Range(0, 10).Select(_ => rotation.Next()), m => Assert.Equal("on", m));

        Assert.Throws<ArgumentException>(() => new WeightedRoundRobin<string>([("off", 0)]));
    }
}
