using System.Buffers;
using ActorMTA.Server.Net;
using Xunit;

namespace ActorMTA.Server.Tests.Net;

public sealed class WireChunkerTests
{
    [Fact]
    public void Bytes_are_cut_into_buffers_below_the_large_object_heap_and_other_directives_keep_their_place()
    {
        var chunker = new WireChunker();
        var expected = new List<byte>();
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var piece = new byte[random.Next(1, 3000)];
            random.NextBytes(piece);
            chunker.Write(piece);
            expected.AddRange(piece);
        }
        var slice = new SendContentSlice(() => Stream.Null, 10, 20);
        var before = chunker.Length;
        chunker.Add(slice);
        chunker.Write(new byte[] { 1, 2, 3 });
        expected.AddRange([1, 2, 3]);

        var directives = chunker.Finish();

        var bytes = directives.OfType<SendBytes>().ToList();
        Assert.All(bytes, b => Assert.InRange(b.Bytes.Length, 1, WireChunker.BufferSize));
        Assert.True(bytes.Count >= expected.Count / WireChunker.BufferSize);
        Assert.Equal(expected, bytes.SelectMany(b => b.Bytes.ToArray()));
        var sliceAt = directives.ToList().IndexOf(slice);
        Assert.Equal(before, directives.Take(sliceAt).OfType<SendBytes>().Sum(b => (long)b.Bytes.Length));
        Assert.Equal(new byte[] { 1, 2, 3 }, Assert.IsType<SendBytes>(directives[^1]).Bytes.ToArray());
    }
}
