using System.Buffers;

namespace ActorMTA.Protocol.Text;

/// <summary>What <see cref="LineReader.TryRead"/> found.</summary>
public enum LineReadStatus
{
    /// <summary>Not a whole line in the buffer yet; read more input.</summary>
    NeedMoreData,

    /// <summary>A line, without its line end.</summary>
    Line,

    /// <summary>A line exceeded the limit; it has been consumed (up to its LF) and dropped.</summary>
    TooLong,
}

/// <summary>
/// Splits command input into lines for a protocol engine. The line end is CRLF; a bare LF is tolerated
/// for commands (the CR, if any, is stripped). A line longer than the limit is skipped to its end and
/// reported once as <see cref="LineReadStatus.TooLong"/>, also when it spans many reads. One instance
/// per connection.
/// </summary>
public sealed class LineReader
{
    private readonly int _maxLineLength;
    private bool _discarding;

    /// <param name="maxLineLength">Longest line in bytes including its CRLF (max-line-length in the configuration).</param>
    public LineReader(int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 3);
        _maxLineLength = maxLineLength;
    }

    /// <summary>Takes the next line from the front of <paramref name="buffer"/>, which is advanced past
    /// everything consumed.</summary>
    public LineReadStatus TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        line = default;
        var newline = buffer.PositionOf((byte)'\n');
        if (_discarding)
        {
            if (newline is null)
            {
                buffer = buffer.Slice(buffer.End);
                return LineReadStatus.NeedMoreData;
            }
            buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
            _discarding = false;
            return LineReadStatus.TooLong;
        }

        if (newline is null)
        {
            if (buffer.Length < _maxLineLength) return LineReadStatus.NeedMoreData;
            // No line end within the limit: this line is too long whatever follows.
            buffer = buffer.Slice(buffer.End);
            _discarding = true;
            return LineReadStatus.NeedMoreData;
        }

        var withLf = buffer.Slice(0, buffer.GetPosition(1, newline.Value));
        buffer = buffer.Slice(withLf.End);
        if (withLf.Length > _maxLineLength) return LineReadStatus.TooLong;
        var content = withLf.Slice(0, withLf.Length - 1);
        if (content.Length > 0 && EndsWithCr(content)) content = content.Slice(0, content.Length - 1);
        line = content;
        return LineReadStatus.Line;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> content) =>
        content.Slice(content.Length - 1).FirstSpan[0] == (byte)'\r';
}
