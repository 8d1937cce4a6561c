using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Pop3;
using Xunit;

namespace ActorMTA.Protocol.Tests.Pop3;

public class TopFilterTests
{
    private const string Message =
        "From: a@example.com\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n.line 3\r\nline 4\r\n";

    private static string Filter(string content, int lines, params int[] chunkSizes)
    {
        var filter = new TopFilter(lines);
        var bytes = Encoding.ASCII.GetBytes(content);
        var output = new StringBuilder();
        var offset = 0;
        var chunk = 0;
        while (offset < bytes.Length)
        {
            var size = chunkSizes.Length == 0 ? bytes.Length : Math.Min(chunkSizes[chunk++ % chunkSizes.Length], bytes.Length - offset);
            output.Append(Encoding.ASCII.GetString(filter.Take(bytes.AsSpan(offset, size))));
            offset += size;
        }
        return output.ToString();
    }

    [Fact]
    public void Passes_headers_blank_line_and_the_requested_body_lines()
    {
        Assert.Equal("From: a@example.com\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n", Filter(Message, 2));
    }

    [Fact]
    public void Zero_lines_gives_only_headers_and_the_blank_line()
    {
        Assert.Equal("From: a@example.com\r\nSubject: hi\r\n\r\n", Filter(Message, 0));
    }

    [Fact]
    public void More_lines_than_the_body_has_gives_the_whole_message()
    {
        Assert.Equal(Message, Filter(Message, 100));
    }

    [Fact]
    public void Message_without_a_blank_line_is_all_header()
    {
        const string headersOnly = "From: a@example.com\r\nSubject: hi\r\n";
        Assert.Equal(headersOnly, Filter(headersOnly, 0));
    }

    [Fact]
    public void Blank_line_split_between_cr_and_lf_is_recognised()
    {
        Assert.Equal("A: b\r\n\r\nx\r\n", Filter("A: b\r\n\r\nx\r\ny\r\n", 1, 1));
    }

    [Fact]
    public void Header_line_starting_with_cr_but_longer_is_not_the_blank_line()
    {
        Assert.Equal("A: b\r\n\rX\r\n\r\n", Filter("A: b\r\n\rX\r\n\r\nbody\r\n", 0));
    }

    [Fact]
    public void Reports_completion_so_reading_can_stop_early()
    {
        var filter = new TopFilter(1);
        Assert.Equal(6, filter.Take("A: b\r\n"u8).Length);
        Assert.False(filter.IsComplete);
        var taken = filter.Take("\r\nfirst\r\nsecond\r\n"u8);
        Assert.Equal("\r\nfirst\r\n", Encoding.ASCII.GetString(taken));
        Assert.True(filter.IsComplete);
        Assert.Equal(0, filter.Take("more\r\n"u8).Length);
    }

    [Fact]
    public void Negative_line_count_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopFilter(-1));
    }

    [Fact]
    public void Random_chunking_matches_a_whole_buffer_reference()
    {
        var random = new Random(2449);
        for (var round = 0; round < 500; round++)
        {
            var content = Text.DotStufferTests.RandomContent(random, random.Next(0, 200));
            var lines = random.Next(0, 5);
            var expected = ReferenceTop(content, lines);

            var filter = new TopFilter(lines);
            var output = new List<byte>();
            var offset = 0;
            while (offset < content.Length)
            {
                var size = Math.Min(random.Next(1, 8), content.Length - offset);
                output.AddRange(filter.Take(content.AsSpan(offset, size)).ToArray());
                offset += size;
            }

            Assert.Equal(expected, output.ToArray());
        }
    }

    // Splits into lines (LF-terminated), finds the first empty line ("" or "\r"), keeps k more.
    private static byte[] ReferenceTop(byte[] content, int k)
    {
        var inHeaders = true;
        var left = k;
        var lineStart = 0;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] != '\n') continue;
            var length = i - lineStart;
            var empty = length == 0 || (length == 1 && content[lineStart] == '\r');
            lineStart = i + 1;
            if (inHeaders)
            {
                if (empty)
                {
                    inHeaders = false;
                    if (left == 0) return content[..(i + 1)];
                }
            }
            else if (--left == 0)
            {
                return content[..(i + 1)];
            }
        }
        return content;
    }

    [Fact]
    public void Content_encoder_stuffs_and_terminates_a_whole_message()
    {
        var encoder = new Pop3ContentEncoder(null);
        var output = new ArrayBufferWriter<byte>();
        Assert.True(encoder.Encode(Encoding.ASCII.GetBytes(Message), output));
        encoder.Complete(output);
        Assert.Equal(Message.Replace("\r\n.line 3", "\r\n..line 3") + ".\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Content_encoder_for_top_stops_asking_for_input_once_it_has_the_lines()
    {
        var encoder = new Pop3ContentEncoder(3);
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.ASCII.GetBytes(Message);
        var wantsMore = true;
        var offset = 0;
        while (wantsMore && offset < bytes.Length)
        {
            wantsMore = encoder.Encode(bytes.AsSpan(offset, Math.Min(5, bytes.Length - offset)), output);
            offset += 5;
        }
        encoder.Complete(output);

        Assert.False(wantsMore);
        Assert.True(offset < bytes.Length);
        Assert.Equal("From: a@example.com\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n..line 3\r\n.\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }
}
