namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// Streaming selector for POP3 TOP (RFC 1939 section 7): lets through the header section, the blank
/// line that ends it, and then the first N body lines, and reports when it has seen enough so the
/// caller can stop reading the stored message early. Works on raw (unstuffed) content in chunks split
/// anywhere. A message without a blank line is all header and passes through whole.
/// </summary>
public sealed class TopFilter
{
    private int _bodyLinesLeft;
    private bool _inHeaders = true;
    private long _currentLineLength;
    private bool _currentLineStartsWithCr;

    public TopFilter(int bodyLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bodyLines);
        _bodyLinesLeft = bodyLines;
    }

    /// <summary>Everything TOP needs has been passed; further input would be dropped.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The prefix of <paramref name="input"/> that belongs to the excerpt (a slice, no copy).</summary>
    public ReadOnlySpan<byte> Take(ReadOnlySpan<byte> input)
    {
        if (IsComplete) return [];
        var consumed = 0;
        while (consumed < input.Length)
        {
            var rest = input[consumed..];
            var newline = rest.IndexOf((byte)'\n');
            var segment = newline < 0 ? rest : rest[..newline];
            if (segment.Length > 0)
            {
                if (_currentLineLength == 0) _currentLineStartsWithCr = segment[0] == (byte)'\r';
                _currentLineLength += segment.Length;
            }
            if (newline < 0) return input;

            consumed += newline + 1;
            EndLine();
            if (IsComplete) return input[..consumed];
        }
        return input;
    }

    private void EndLine()
    {
        var empty = _currentLineLength == 0 || (_currentLineLength == 1 && _currentLineStartsWithCr);
        _currentLineLength = 0;
        if (_inHeaders)
        {
            if (!empty) return;
            _inHeaders = false;
            if (_bodyLinesLeft == 0) IsComplete = true;
            return;
        }
        _bodyLinesLeft--;
        if (_bodyLinesLeft == 0) IsComplete = true;
    }
}
