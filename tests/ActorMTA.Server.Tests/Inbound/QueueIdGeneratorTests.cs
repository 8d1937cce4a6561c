using ActorMTA.Server.Inbound;
using Xunit;

namespace ActorMTA.Server.Tests.Inbound;

public class QueueIdGeneratorTests
{
    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    // The old layout (50 bits of ticks) wrapped to "0000000000..." on this day.
    private static readonly DateTimeOffset OldWrap = new(2027, 7, 13, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Ids_made_later_sort_later_across_the_old_wrap_date_and_far_into_the_future()
    {
        DateTimeOffset[] times =
        [
            new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 12, 4, 22, 0, 0, TimeSpan.Zero),
            OldWrap.AddDays(-1), OldWrap, OldWrap.AddDays(1), new(2031, 3, 1, 0, 0, 0, TimeSpan.Zero),
            new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2500, 6, 1, 0, 0, 0, TimeSpan.Zero), new(3000, 1, 1, 0, 0, 0, TimeSpan.Zero),
        ];
        // A fresh generator (another process) for each time: the order must come from the time part alone.
        var ids = times.Select(t => new QueueIdGenerator(new SettableClock(t)).Next()).ToList();
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.Equal(QueueIdGenerator.Length, id.Length));
    }

    [Fact]
    public void Ids_of_one_generator_strictly_increase_even_when_the_clock_steps_back()
    {
        var clock = new SettableClock(OldWrap);
        var generator = new QueueIdGenerator(clock);
        var ids = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            // Forward by a millisecond, back by an hour, stuck: whatever the clock does.
            clock.Now = (i % 3) switch { 0 => clock.Now.AddMilliseconds(1), 1 => clock.Now.AddHours(-1), _ => clock.Now };
            ids.Add(generator.Next());
        }
        for (var i = 1; i < ids.Count; i++)
            Assert.True(string.CompareOrdinal(ids[i - 1], ids[i]) < 0, $"{ids[i - 1]} !< {ids[i]} at {i}");
    }

    [Fact]
    public void A_stopped_clock_does_not_run_out_of_ids()
    {
        var generator = new QueueIdGenerator(new SettableClock(OldWrap));
        var previous = "";
        for (var i = 0; i < 1_100_000; i++)
        {
            var id = generator.Next();
            Assert.True(string.CompareOrdinal(previous, id) < 0);
            previous = id;
        }
    }

    [Fact]
    public void Ids_are_unique_across_threads_and_generators_in_the_same_millisecond()
    {
        var clock = new SettableClock(OldWrap);
        var generators = Enumerable.Range(0, 4).Select(_ => new QueueIdGenerator(clock)).ToArray();
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 40_000, i => ids.Add(generators[i % generators.Length].Next()));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Ids_use_only_the_file_name_safe_alphabet_and_a_fixed_length()
    {
        var generator = new QueueIdGenerator(TimeProvider.System);
        for (var i = 0; i < 1000; i++)
        {
            var id = generator.Next();
            Assert.Equal(20, id.Length);
            Assert.All(id, c => Assert.Contains(c, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"));
        }
        Assert.Equal(20, QueueIds.New().Length);
    }

    [Fact]
    public void A_clock_before_the_epoch_still_makes_ids()
    {
        var id = new QueueIdGenerator(new SettableClock(new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero))).Next();
        Assert.StartsWith("000000000", id);
    }
}
