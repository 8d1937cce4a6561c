using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Text;
using Xunit;

namespace ActorMTA.Protocol.Tests.Text;

public class DotUnstufferTests
{
    /// <summary>Feeds the chunks in order; returns the output, whether the end was found, and the bytes
    /// left unconsumed after it.</summary>
    private static (string Output, bool Complete, string Remainder) Unstuff(params string[] chunks)
    {
        var decoder = new DotUnstuffer();
        var output = new ArrayBufferWriter<byte>();
        var rest = new StringBuilder();
        var complete = false;
        foreach (var chunk in chunks)
        {
            var bytes = Encoding.Latin1.GetBytes(chunk);
            if (complete)
            {
                rest.Append(chunk);
                continue;
            }
            var status = decoder.Decode(bytes, output, out var consumed);
            complete = status == OperationStatus.Done;
            Assert.Equal(complete, decoder.IsComplete);
            if (!complete) Assert.Equal(bytes.Length, consumed);
            rest.Append(Encoding.Latin1.GetString(bytes, consumed, bytes.Length - consumed));
        }
        Assert.Equal(output.WrittenCount, decoder.BytesWritten);
        return (Encoding.Latin1.GetString(output.WrittenSpan), complete, rest.ToString());
    }

    [Fact]
    public void Plain_message_keeps_its_crlfs_including_the_last_one()
    {
        Assert.Equal(("Subject: x\r\n\r\nbody\r\n", true, ""), Unstuff("Subject: x\r\n\r\nbody\r\n.\r\n"));
    }

    [Fact]
    public void Lone_dot_right_after_data_is_an_empty_message()
    {
        Assert.Equal(("", true, ""), Unstuff(".\r\n"));
    }

    [Fact]
    public void Leading_dot_is_removed_from_stuffed_lines()
    {
        Assert.Equal(("..\r\n.x\r\n.\r\nmid.dle.\r\n", true, ""), Unstuff("...\r\n..x\r\n..\r\nmid.dle.\r\n.\r\n"));
    }

    [Fact]
    public void Dot_followed_by_text_loses_the_dot_even_if_not_doubled()
    {
        // RFC 5321 section 4.5.2: the first character is deleted when it is a period and more follows.
        Assert.Equal(("x\r\n\ry\r\n", true, ""), Unstuff(".x\r\n.\ry\r\n.\r\n"));
    }

    [Fact]
    public void Bytes_after_the_terminator_are_not_consumed()
    {
        Assert.Equal(("a\r\n", true, "QUIT\r\n"), Unstuff("a\r\n.\r\nQUIT\r\n"));
    }

    [Theory]
    [InlineData("a\n.\nb\r\n.\r\n", "a\n.\nb\r\n")]
    [InlineData("a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n")]
    [InlineData("a\r.\r\nb\r\n.\r\n", "a\r.\r\nb\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n")]
    [InlineData("a\r.\rb\r\n.\r\n", "a\r.\rb\r\n")]
    [InlineData("a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n")]
    [InlineData("a\n.\rb\r\n.\r\n", "a\n.\rb\r\n")]
    [InlineData("a\r.\nb\r\n.\r\n", "a\r.\nb\r\n")]
    public void Only_crlf_dot_crlf_ends_the_data(string input, string expected)
    {
        Assert.Equal((expected, true, ""), Unstuff(input));
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\r")]
    public void Smuggled_commands_behind_a_fake_end_stay_content_and_are_flagged_as_bare(string fakeEnd)
    {
        // What the session does with DATA: unstuff, then check and normalise the line ends.
        var (output, complete, remainder) = Unstuff($"x{fakeEnd}MAIL FROM:<e@vil>\r\nDATA\r\n.\r\nNOOP\r\n");
        Assert.True(complete);
        Assert.Equal("NOOP\r\n", remainder);
        Assert.Contains("MAIL FROM:<e@vil>\r\nDATA\r\n", output);
        var normalizer = new LineEndNormalizer();
        normalizer.Normalize(Encoding.Latin1.GetBytes(output), new ArrayBufferWriter<byte>());
        normalizer.Complete(new ArrayBufferWriter<byte>());
        Assert.True(normalizer.HasBareLineEnd);
    }

    [Fact]
    public void Terminator_split_across_every_possible_boundary_is_found()
    {
        const string message = "line one\r\n..dotted\r\n.\r\n";
        for (var a = 0; a <= message.Length; a++)
        {
            for (var b = a; b <= message.Length; b++)
            {
                var result = Unstuff(message[..a], message[a..b], message[b..]);
                Assert.Equal(("line one\r\n.dotted\r\n", true, ""), result);
            }
        }
    }

    [Fact]
    public void Incomplete_input_needs_more_data_and_holds_back_a_possible_terminator()
    {
        var (output, complete, _) = Unstuff("abc\r\n.\r");
        Assert.False(complete);
        Assert.Equal("abc\r\n", output);
    }

    [Fact]
    public void Input_after_completion_is_not_consumed()
    {
        var decoder = new DotUnstuffer();
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(OperationStatus.Done, decoder.Decode(".\r\n"u8, output, out _));
        Assert.Equal(OperationStatus.Done, decoder.Decode("more"u8, output, out var consumed));
        Assert.Equal(0, consumed);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Null_output_discards_but_counts()
    {
        var decoder = new DotUnstuffer();
        Assert.Equal(OperationStatus.Done, decoder.Decode("ab\r\n..c\r\n.\r\n"u8, null, out var consumed));
        Assert.Equal(12, consumed);
        Assert.Equal("ab\r\n.c\r\n".Length, decoder.BytesWritten);
    }

    [Fact]
    public void Multi_segment_sequence_reports_the_position_after_the_terminator()
    {
        var sequence = Segments("hel", "lo\r\n.", "\r\nNOOP\r\n");
        var decoder = new DotUnstuffer();
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(OperationStatus.Done, decoder.Decode(sequence, output, out var consumed));
        Assert.Equal("hello\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal("NOOP\r\n", Encoding.ASCII.GetString(sequence.Slice(consumed).ToArray()));
    }

    [Fact]
    public void Multi_segment_sequence_without_terminator_consumes_everything()
    {
        var sequence = Segments("a\r\n", "..b", "\r\n.");
        var decoder = new DotUnstuffer();
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(OperationStatus.NeedMoreData, decoder.Decode(sequence, output, out var consumed));
        Assert.Equal(sequence.End, consumed);
        Assert.Equal(OperationStatus.Done, decoder.Decode(Segments("\r\n"), output, out _));
        Assert.Equal("a\r\n.b\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Random_messages_survive_stuffing_and_unstuffing_in_random_chunks()
    {
        var random = new Random(5321);
        byte[] alphabet = "..\r\n\r\nab. \t\0\u00ff"u8.ToArray();
        for (var round = 0; round < 2000; round++)
        {
            var original = RandomMessage(random, alphabet);
            var stuffer = new DotStuffer();
            var stuffed = new ArrayBufferWriter<byte>();
            stuffer.Encode(original, stuffed);
            stuffer.Complete(stuffed);
            var wire = stuffed.WrittenSpan.ToArray().Concat("MAIL FROM:<>\r\n"u8.ToArray()).ToArray();

            var decoder = new DotUnstuffer();
            var output = new ArrayBufferWriter<byte>();
            var offset = 0;
            var status = OperationStatus.NeedMoreData;
            while (status == OperationStatus.NeedMoreData)
            {
                Assert.True(offset < wire.Length, $"terminator not found in round {round}");
                var length = Math.Min(random.Next(1, 12), wire.Length - offset);
                status = decoder.Decode(wire.AsSpan(offset, length), output, out var consumed);
                offset += consumed;
            }
            Assert.Equal(original, output.WrittenSpan.ToArray());
            Assert.Equal("MAIL FROM:<>\r\n", Encoding.ASCII.GetString(wire, offset, wire.Length - offset));
        }
    }

    // CRLF-terminated lines built from bytes that exercise dots, CRs and empty lines. A bare LF is left
    // out: the stuffer treats it as a line start, SMTP (and the unstuffer) does not.
    private static byte[] RandomMessage(Random random, byte[] alphabet)
    {
        var message = new List<byte>();
        var lines = random.Next(0, 8);
        for (var line = 0; line < lines; line++)
        {
            var length = random.Next(0, 6);
            for (var i = 0; i < length; i++)
            {
                var b = alphabet[random.Next(alphabet.Length)];
                if (b == (byte)'\n') b = (byte)'.';
                message.Add(b);
            }
            message.Add((byte)'\r');
            message.Add((byte)'\n');
        }
        return message.ToArray();
    }

    private static ReadOnlySequence<byte> Segments(params string[] parts)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(Encoding.ASCII.GetBytes(part));
            if (first is null) first = segment;
            else last!.Append(segment);
            last = segment;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
