namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// Streaming selector for POP3 TOP (RFC 1939 section 7): lets through the header section, the blank
/// line that ends it, and then the first N body lines, and reports when it has seen enough so the
/// caller can stop reading the stored message early. Works on raw (unstuffed) content in chunks split
/// anywhere. A message without a blank line is all header and passes through whole.
/// </summary>
public sealed class TopFilter
{
    private int bodyLinesLeft;
    private bool inHeaders = true;
    private long currentLineLength;
    private bool currentLineStartsWithCr;

    public TopFilter(int bodyLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bodyLines);
        bodyLinesLeft = bodyLines;
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
                if (currentLineLength == 0) currentLineStartsWithCr = segment[0] == (byte)'\r';
                currentLineLength += segment.Length;
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
        var empty = currentLineLength == 0 || (currentLineLength == 1 && currentLineStartsWithCr);
        currentLineLength = 0;
        if (inHeaders)
        {
            if (!empty) return;
            inHeaders = false;
            if (bodyLinesLeft == 0) IsComplete = true;
            return;
        }
        bodyLinesLeft--;
        if (bodyLinesLeft == 0) IsComplete = true;
    }
}
