using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Text;
using Xunit;

namespace ActorMTA.Protocol.Tests.Text;

public class LineEndNormalizerTests
{
    private static (string Output, bool Bare) Normalize(params string[] chunks)
    {
        var normalizer = new LineEndNormalizer();
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks) normalizer.Normalize(Encoding.Latin1.GetBytes(chunk), output);
        normalizer.Complete(output);
        return (Encoding.Latin1.GetString(output.WrittenSpan), normalizer.HasBareLineEnd);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no line end")]
    [InlineData("a\r\nb\r\n\r\n")]
    public void Crlf_only_content_is_unchanged_and_clean(string input)
    {
        Assert.Equal((input, false), Normalize(input));
    }

    [Theory]
    [InlineData("a\nb\r\n", "a\r\nb\r\n")]
    [InlineData("a\rb\r\n", "a\r\nb\r\n")]
    [InlineData("\n.\n", "\r\n.\r\n")]
    [InlineData("\r.\r", "\r\n.\r\n")]
    [InlineData("a\r\r\nb", "a\r\n\r\nb")]
    [InlineData("a\n\r\n", "a\r\n\r\n")]
    [InlineData("a\r\n\n", "a\r\n\r\n")]
    [InlineData("ends with cr\r", "ends with cr\r\n")]
    [InlineData("\r\n.\n\r.\r\n", "\r\n.\r\n\r\n.\r\n")]
    public void Bare_cr_and_lf_become_crlf_and_are_reported(string input, string expected)
    {
        Assert.Equal((expected, true), Normalize(input));
    }

    [Fact]
    public void Crlf_split_between_chunks_is_one_line_end()
    {
        Assert.Equal(("a\r\nb\r\n", false), Normalize("a\r", "\nb\r", "\n"));
    }

    [Fact]
    public void Cr_at_the_end_of_a_chunk_followed_by_text_is_bare()
    {
        Assert.Equal(("a\r\nb\r\n", true), Normalize("a\r", "b\r\n"));
    }

    [Fact]
    public void Pending_cr_counts_as_bare_before_completion()
    {
        // The last chunk so far ends with CR: if the content ended here, it would be bare.
        var normalizer = new LineEndNormalizer();
        normalizer.Normalize("x\r"u8, new ArrayBufferWriter<byte>());
        Assert.True(normalizer.HasBareLineEnd);
        normalizer.Normalize("\n"u8, new ArrayBufferWriter<byte>());
        Assert.False(normalizer.HasBareLineEnd);
    }

    [Fact]
    public void Any_split_gives_the_same_result()
    {
        const string input = "a\rb\nc\r\nd\r\r\n\n.\r.\r\n";
        var expected = Normalize(input);
        for (var a = 0; a <= input.Length; a++)
        {
            for (var b = a; b <= input.Length; b++) Assert.Equal(expected, Normalize(input[..a], input[a..b], input[b..]));
        }
    }
}

public class LineEndNormalizerCleanTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("no line end", true)]
    [InlineData("a\r\nb\r\n\r\n", true)]
    [InlineData("\r\n", true)]
    [InlineData("a\nb\r\n", false)]      // bare LF
    [InlineData("\nb\r\n", false)]       // bare LF first
    [InlineData("a\rb\r\n", false)]      // bare CR
    [InlineData("a\r\r\n", false)]       // CR before CRLF
    [InlineData("a\r\n\r", false)]       // ends in CR: its LF may come in the next chunk
    public void A_chunk_is_clean_only_when_every_line_end_is_crlf(string chunk, bool clean) =>
        Assert.Equal(clean, new LineEndNormalizer().IsClean(Encoding.Latin1.GetBytes(chunk)));

    [Fact]
    public void A_cr_pending_from_the_previous_chunk_makes_the_next_one_unclean()
    {
        var normalizer = new LineEndNormalizer();
        normalizer.Normalize("a\r"u8, new ArrayBufferWriter<byte>());
        Assert.False(normalizer.IsClean("\nb\r\n"u8));
    }

    [Theory]
    [InlineData("a\r\nb\r\n")]
    [InlineData("x\ny\rz\r\n\r")]
    public void What_is_clean_normalizes_to_itself(string chunk)
    {
        var bytes = Encoding.Latin1.GetBytes(chunk);
        var normalizer = new LineEndNormalizer();
        var clean = normalizer.IsClean(bytes);
        var output = new ArrayBufferWriter<byte>();
        normalizer.Normalize(bytes, output);
        Assert.Equal(clean, output.WrittenSpan.SequenceEqual(bytes) && !normalizer.HasBareLineEnd);
    }
}
