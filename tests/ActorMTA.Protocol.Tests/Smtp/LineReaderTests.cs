using System.Buffers;
using System.Text;
using ActorMTA.Protocol.Text;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp;

public class LineReaderTests
{
    /// <summary>Feeds the chunks one after another, keeping unconsumed bytes like a pipe reader would,
    /// and lists what the reader reported ("!" for a too-long line).</summary>
    private static List<string> ReadAll(int max, params string[] chunks)
    {
        var reader = new LineReader(max);
        var results = new List<string>();
        var pending = Array.Empty<byte>();
        foreach (var chunk in chunks)
        {
            var buffer = new ReadOnlySequence<byte>(pending.Concat(Encoding.ASCII.GetBytes(chunk)).ToArray());
            while (true)
            {
                var status = reader.TryRead(ref buffer, out var line);
                if (status == LineReadStatus.NeedMoreData) break;
                results.Add(status == LineReadStatus.Line ? Encoding.ASCII.GetString(line.ToArray()) : "!");
            }
            pending = buffer.ToArray();
        }
        return results;
    }

    [Fact]
    public void Splits_crlf_lines_and_tolerates_bare_lf()
    {
        Assert.Equal(["EHLO a", "NOOP", "", "QUIT"], ReadAll(100, "EHLO a\r\nNOOP\n\r\nQUIT\r\n"));
    }

    [Fact]
    public void Lines_split_across_reads_are_joined()
    {
        Assert.Equal(["MAIL FROM:<a@b.c>"], ReadAll(100, "MAIL FR", "OM:<a@b.c>\r", "\n"));
    }

    [Fact]
    public void A_line_at_the_limit_is_accepted_and_one_byte_more_is_too_long()
    {
        Assert.Equal(["12345678", "!", "ok"], ReadAll(10, "12345678\r\n123456789\r\nok\r\n"));
    }

    [Fact]
    public void Endless_line_is_reported_once_when_it_finally_ends()
    {
        Assert.Equal(["!", "NOOP"], ReadAll(10, "aaaaaaaaaaaa", "aaaaaaaaaaaa", "aaa\r\nNOOP\r\n"));
    }
}
