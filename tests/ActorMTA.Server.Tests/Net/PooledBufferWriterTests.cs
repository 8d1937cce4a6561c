using ActorMTA.Server.Net;
using Xunit;

namespace ActorMTA.Server.Tests.Net;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Grows_past_its_first_array_and_keeps_what_was_written()
    {
        using var writer = new PooledBufferWriter(16);
        var expected = new List<byte>();
        for (var i = 0; i < 100; i++)
        {
            var span = writer.GetSpan(7);
            Assert.True(span.Length >= 7);
            for (var j = 0; j < 7; j++) span[j] = (byte)(i + j);
            writer.Advance(7);
            expected.AddRange(Enumerable.Range(0, 7).Select(j => (byte)(i + j)));
        }

        Assert.Equal(700, writer.WrittenCount);
        Assert.True(writer.Capacity >= 700);
        Assert.Equal(expected, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Reset_starts_over_in_the_same_array_and_advancing_past_the_end_is_refused()
    {
        using var writer = new PooledBufferWriter(32);
        "abc"u8.CopyTo(writer.GetSpan());
        writer.Advance(3);
        var capacity = writer.Capacity;

        writer.ResetWrittenCount();
        "xy"u8.CopyTo(writer.GetSpan());
        writer.Advance(2);

        Assert.Equal("xy"u8.ToArray(), writer.WrittenMemory.ToArray());
        Assert.Equal(capacity, writer.Capacity);
        Assert.Throws<InvalidOperationException>(() => writer.Advance(capacity));
    }

    [Fact]
    public void A_disposed_writer_hands_out_no_more_memory()
    {
        var writer = new PooledBufferWriter(8);
        writer.Dispose();
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.GetMemory());
    }
}
