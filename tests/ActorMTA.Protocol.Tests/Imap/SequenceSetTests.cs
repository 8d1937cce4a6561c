using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

public class SequenceSetTests
{
    [Theory]
    [InlineData("1")]
    [InlineData("*")]
    [InlineData("1:*")]
    [InlineData("2,4:7,9,12:*")]
    [InlineData("4827313:4828442")]
    [InlineData("4294967295")]
    public void Valid_sets_round_trip(string text) => Assert.Equal(text, SequenceSet.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1:0")]
    [InlineData("01")]
    [InlineData("1,")]
    [InlineData(",1")]
    [InlineData("1::2")]
    [InlineData("1:2:3")]
    [InlineData("a")]
    [InlineData("-1")]
    [InlineData("4294967296")]
    [InlineData("**")]
    public void Malformed_sets_are_refused(string text) => Assert.False(SequenceSet.TryParse(text, out _));

    [Theory]
    [InlineData("a FETCH 1:0 FLAGS")]
    [InlineData("a FETCH 1, FLAGS")]
    [InlineData("a FETCH x FLAGS")]
    [InlineData("a FETCH 1a FLAGS")]
    [InlineData("a UID FETCH 0 FLAGS")]
    [InlineData("a SEARCH UID 1::3")]
    public void Malformed_sets_in_commands_are_bad(string wire)
    {
        var error = ImapWire.Reject(wire);
        Assert.Equal(ImapStatus.Bad, error.Response.Status);
        Assert.Equal("a", error.Tag);
    }

    [Fact]
    public void Star_resolves_to_the_largest_value_and_ranges_are_unordered()
    {
        var set = SequenceSet.Parse("7:5,1,*,3:*");
        Assert.Equal([(1u, 1u), (3u, 10u)], set.Resolve(10));
        Assert.Equal([1u, 3, 4, 5, 6, 7, 8, 9, 10], set.Enumerate(10));
        Assert.True(set.ContainsStar);
        Assert.False(SequenceSet.Parse("1:5").ContainsStar);
    }

    [Fact]
    public void Uid_range_beyond_the_largest_uid_still_includes_the_last_message()
    {
        // RFC 3501 section 6.4.8: "559:*" includes the highest UID even if 559 is higher.
        var set = SequenceSet.Parse("559:*");
        Assert.True(set.Contains(500, 500));
        Assert.False(set.Contains(499, 500));
        Assert.Equal([(500u, 559u)], set.Resolve(500));
    }

    [Fact]
    public void Sequence_numbers_must_exist()
    {
        Assert.True(SequenceSet.Parse("1:*").IsWithin(3));
        Assert.True(SequenceSet.Parse("2,3").IsWithin(3));
        Assert.False(SequenceSet.Parse("4").IsWithin(3));
        Assert.False(SequenceSet.Parse("1:4").IsWithin(3));
        Assert.False(SequenceSet.Parse("*").IsWithin(0));
    }

    [Fact]
    public void Resolve_merges_overlapping_and_adjacent_ranges()
    {
        Assert.Equal([(1u, 9u)], SequenceSet.Parse("1:3,4:6,5:9").Resolve(100));
        Assert.Equal([(1u, 2u), (4u, 4u)], SequenceSet.Parse("4,2,1,2").Resolve(100));
    }

    [Fact]
    public void From_numbers_keeps_order_and_joins_ascending_runs()
    {
        Assert.Equal("3:5,1,7", SequenceSet.FromNumbers([3, 4, 5, 1, 7]).ToString());
        Assert.Equal("9,8", SequenceSet.FromNumbers([9, 8]).ToString());
        Assert.Throws<ArgumentException>(() => SequenceSet.FromNumbers([]));
    }
}
