using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Text;
using Xunit;

namespace ActorMTA.Protocol.Tests.Text;

public class HeaderSectionFilterTests
{
    /// <summary>Runs the message through the filter as the spooler does; "|" marks where the filter ended
    /// the header section (the empty line is written by the caller).</summary>
    private static (string Output, HeaderSectionFilter Filter) Run(string message, int maxHeaderSize = 10_000, params int[] splits) =>
        Run(new HeaderSectionFilter(maxHeaderSize), message, splits);

    private static (string Output, HeaderSectionFilter Filter) Run(HeaderSectionFilter filter, string message, int[] splits)
    {
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.Latin1.GetBytes(message);
        var bounds = splits.Append(bytes.Length).ToArray();
        var start = 0;
        var passing = false;
        foreach (var bound in bounds)
        {
            var chunk = bytes.AsSpan(start, bound - start);
            start = bound;
            if (!passing)
            {
                var status = filter.Filter(chunk, output, out var consumed);
                if (status == HeaderFilterStatus.NeedMoreData) continue;
                output.Write(status == HeaderFilterStatus.EndOfHeader ? "|"u8 : "#"u8);
                chunk = chunk[consumed..];
                passing = true;
            }
            output.Write(chunk);
        }
        if (!passing) filter.Complete(output);
        return (Encoding.Latin1.GetString(output.WrittenSpan), filter);
    }

    [Fact]
    public void Return_path_fields_are_dropped_with_their_continuation_lines()
    {
        var (output, _) = Run("Return-Path: <evil@example.org>\r\nFrom: a\r\nreturn-path :\r\n <x@y>\r\n\tmore\r\nTo: b\r\n\r\nReturn-Path: body\r\n");
        Assert.Equal("From: a\r\nTo: b\r\n|Return-Path: body\r\n", output);
    }

    [Fact]
    public void Received_fields_are_counted_in_the_header_only()
    {
        var (output, filter) = Run("Received: one\r\nRECEIVED: two\r\n\tfolded\r\nX-Received: no\r\nReceived-SPF: no\r\n\r\nReceived: body\r\n");
        Assert.Equal(2, filter.ReceivedFields);
        Assert.Equal("Received: one\r\nRECEIVED: two\r\n\tfolded\r\nX-Received: no\r\nReceived-SPF: no\r\n|Received: body\r\n", output);
    }

    [Fact]
    public void Message_id_and_date_are_noticed()
    {
        var (_, filter) = Run("Message-Id: <a@b>\r\nDate: now\r\n\r\n");
        Assert.True(filter.HasMessageId);
        Assert.True(filter.HasDate);
        (_, filter) = Run("Subject: x\r\n\r\nMessage-ID: <body@b>\r\n");
        Assert.False(filter.HasMessageId);
        Assert.False(filter.HasDate);
    }

    [Fact]
    public void Message_without_an_empty_line_is_all_header()
    {
        var (output, filter) = Run("Received: a\r\nReturn-Path: <x>\r\nSubject: no body");
        Assert.Equal("Received: a\r\nSubject: no body", output);
        Assert.True(filter.EndsMidLine);
        Assert.Equal(1, filter.ReceivedFields);
    }

    [Fact]
    public void Empty_message_ends_at_once()
    {
        var (output, filter) = Run("\r\nbody\r\n");
        Assert.Equal("|body\r\n", output);
        Assert.Equal(0, filter.ReceivedFields);
        (output, _) = Run("");
        Assert.Equal("", output);
    }

    [Fact]
    public void Long_field_names_and_lines_without_colon_are_kept()
    {
        var name = new string('X', 200);
        var (output, _) = Run($"{name}: v\r\nno colon here\r\n\r\n");
        Assert.Equal($"{name}: v\r\nno colon here\r\n|", output);
    }

    [Fact]
    public void Header_longer_than_the_limit_is_passed_through_unexamined()
    {
        var (output, filter) = Run("Received: a\r\nReceived: b\r\nReturn-Path: <x>\r\n\r\n", maxHeaderSize: 20);
        Assert.Equal("Received: a\r\nReceive#d: b\r\nReturn-Path: <x>\r\n\r\n", output);
        Assert.Equal(1, filter.ReceivedFields);
    }

    [Fact]
    public void Every_split_gives_the_same_result()
    {
        const string message = "Received: a\r\nReturn-Path: <x>\r\n cont\r\nSubject: s\r\nReturn-Path:<y>\r\n\r\nbody\r\n";
        var (expected, expectedFilter) = Run(message);
        Assert.Equal("Received: a\r\nSubject: s\r\n|body\r\n", expected);
        for (var a = 0; a <= message.Length; a++)
        {
            for (var b = a; b <= message.Length; b++)
            {
                var (output, filter) = Run(message, 10_000, a, b);
                Assert.Equal(expected, output);
                Assert.Equal(expectedFilter.ReceivedFields, filter.ReceivedFields);
            }
        }
    }

    private const string PoolMessage =
        "From: a\r\nX-ActorMTA-Pool: bulk\r\nTo: b\r\nx-actormta-pool:\r\n second\r\n\r\nX-ActorMTA-Pool: body\r\n";

    [Fact]
    public void A_taken_field_is_dropped_and_its_first_value_kept()
    {
        var (output, filter) = Run(new HeaderSectionFilter(10_000, "X-ActorMTA-Pool"), PoolMessage, []);
        Assert.Equal("From: a\r\nTo: b\r\n|X-ActorMTA-Pool: body\r\n", output);
        Assert.Equal("bulk", filter.TakenValue);
    }

    [Fact]
    public void A_taken_field_is_found_wherever_the_input_is_split()
    {
        for (var split = 1; split < PoolMessage.Length; split++)
        {
            var (output, filter) = Run(new HeaderSectionFilter(10_000, "x-actormta-pool"), PoolMessage, [split]);
            Assert.Equal("From: a\r\nTo: b\r\n|X-ActorMTA-Pool: body\r\n", output);
            Assert.Equal("bulk", filter.TakenValue);
        }
    }

    [Fact]
    public void A_folded_taken_value_is_unfolded_and_trimmed()
    {
        var (output, filter) = Run(new HeaderSectionFilter(10_000, "X-ActorMTA-Pool"), "X-ActorMTA-Pool :\r\n\t bulk \r\nSubject: s\r\n\r\n", []);
        Assert.Equal("Subject: s\r\n|", output);
        Assert.Equal("bulk", filter.TakenValue);
    }

    [Fact]
    public void A_taken_value_is_cut_at_256_octets()
    {
        var (output, filter) = Run(new HeaderSectionFilter(10_000, "X-ActorMTA-Pool"), $"X-ActorMTA-Pool: {new string('p', 5000)}\r\nTo: b\r\n\r\n", []);
        Assert.Equal("To: b\r\n|", output);
        Assert.Equal(255, filter.TakenValue!.Length); // 256 octets from the space after the colon, trimmed
    }

    [Fact]
    public void Without_the_field_there_is_no_taken_value_and_nothing_else_changes()
    {
        var (output, filter) = Run(new HeaderSectionFilter(10_000, "X-ActorMTA-Pool"), "X-ActorMTA-Pooled: no\r\nFrom: a\r\n\r\nbody\r\n", []);
        Assert.Equal("X-ActorMTA-Pooled: no\r\nFrom: a\r\n|body\r\n", output);
        Assert.Null(filter.TakenValue);
        Assert.Null(Run("X-ActorMTA-Pool: bulk\r\n\r\n").Filter.TakenValue);
        Assert.Equal("X-ActorMTA-Pool: bulk\r\n|", Run("X-ActorMTA-Pool: bulk\r\n\r\n").Output);
    }

    [Fact]
    public void The_first_message_id_is_kept_in_the_message_and_its_value_noted_wherever_the_input_is_split()
    {
        const string message = "From: a\r\nMessage-ID:\r\n <m1@h.test>\r\nMessage-Id: <m2@h.test>\r\n\r\nMessage-ID: <body@h.test>\r\n";
        for (var split = 1; split < message.Length; split++)
        {
            var (output, filter) = Run(message, splits: [split]);
            Assert.Equal("From: a\r\nMessage-ID:\r\n <m1@h.test>\r\nMessage-Id: <m2@h.test>\r\n|Message-ID: <body@h.test>\r\n", output);
            Assert.Equal("<m1@h.test>", filter.MessageId);
            Assert.True(filter.HasMessageId);
        }
        Assert.Null(Run("From: a\r\n\r\n").Filter.MessageId);
    }
}
