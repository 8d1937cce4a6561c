using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Text;
using Xunit;

namespace ActorMTA.Protocol.Tests.Text;

public class DotStufferTests
{
    private static string Stuff(params string[] chunks)
    {
        var stuffer = new DotStuffer();
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks) stuffer.Encode(Encoding.ASCII.GetBytes(chunk), output);
        stuffer.Complete(output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Lines_starting_with_a_dot_get_another_dot()
    {
        Assert.Equal("..hidden\r\n...two\r\nmid.dle\r\n..\r\n.\r\n", Stuff(".hidden\r\n..two\r\nmid.dle\r\n.\r\n"));
    }

    [Fact]
    public void Dot_after_a_chunk_boundary_at_line_start_is_stuffed()
    {
        Assert.Equal("a\r\n..b\r\n.\r\n", Stuff("a\r\n", ".b\r\n"));
        Assert.Equal("a\r\n..b\r\n.\r\n", Stuff("a\r", "\n", ".", "b\r\n"));
    }

    [Fact]
    public void Dot_in_the_middle_of_a_line_split_by_a_chunk_is_not_stuffed()
    {
        Assert.Equal("ab.c\r\n.\r\n", Stuff("ab", ".c\r\n"));
    }

    [Fact]
    public void Lines_after_bare_line_feeds_are_line_starts_too()
    {
        Assert.Equal("a\n..b\r\n.\r\n", Stuff("a\n.b\r\n"));
    }

    [Fact]
    public void Empty_content_is_only_the_terminator()
    {
        Assert.Equal(".\r\n", Stuff());
        Assert.Equal(".\r\n", Stuff("", ""));
    }

    [Theory]
    [InlineData("abc", "abc\r\n.\r\n")]
    [InlineData("abc\r", "abc\r\r\n.\r\n")]
    [InlineData("abc\n", "abc\n\r\n.\r\n")]
    [InlineData("abc\r\n", "abc\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    public void Complete_puts_the_terminator_on_its_own_line(string content, string expected)
    {
        Assert.Equal(expected, Stuff(content));
    }

    [Fact]
    public void Crlf_split_across_chunks_still_counts_as_a_line_end()
    {
        Assert.Equal("abc\r\n.\r\n", Stuff("abc\r", "\n"));
        Assert.Equal("abc\r\n.\r\n", Stuff("ab", "c", "\r", "\n"));
    }

    [Fact]
    public void Counts_content_bytes_before_stuffing()
    {
        var stuffer = new DotStuffer();
        stuffer.Encode(".a\r\n.b"u8, new ArrayBufferWriter<byte>());
        Assert.Equal(6, stuffer.ContentLength);
    }

    [Fact]
    public void Random_chunking_gives_the_same_bytes_as_encoding_the_whole_message()
    {
        var random = new Random(1939);
        for (var round = 0; round < 500; round++)
        {
            var content = RandomContent(random, random.Next(0, 300));
            var expected = ReferenceStuff(content);

            var stuffer = new DotStuffer();
            var output = new ArrayBufferWriter<byte>();
            var offset = 0;
            while (offset < content.Length)
            {
                var size = Math.Min(random.Next(0, 8), content.Length - offset);
                stuffer.Encode(content.AsSpan(offset, size), output);
                offset += size;
            }
            stuffer.Complete(output);

            Assert.Equal(expected, output.WrittenSpan.ToArray());
        }
    }

    // Dot-heavy, line-heavy alphabet so boundaries land on the interesting bytes often.
    internal static byte[] RandomContent(Random random, int length)
    {
        ReadOnlySpan<byte> alphabet = ".\r\n\r\nab."u8;
        var content = new byte[length];
        for (var i = 0; i < length; i++) content[i] = alphabet[random.Next(alphabet.Length)];
        return content;
    }

    // Obviously-correct whole-buffer version of RFC 1939 byte-stuffing plus termination.
    private static byte[] ReferenceStuff(byte[] content)
    {
        var result = new List<byte>();
        var lineStart = true;
        foreach (var b in content)
        {
            if (lineStart && b == '.') result.Add((byte)'.');
            result.Add(b);
            lineStart = b == '\n';
        }
        var endsWithCrLf = content.Length >= 2 && content[^2] == '\r' && content[^1] == '\n';
        if (content.Length > 0 && !endsWithCrLf) result.AddRange("\r\n"u8.ToArray());
        result.AddRange(".\r\n"u8.ToArray());
        return result.ToArray();
    }
}
