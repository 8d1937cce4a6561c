using System.Buffers;

namespace ActorMTA.Protocol.Text;

/// <summary>
/// Streaming check of message content for bare line ends (RFC 5321 section 2.3.8: only CRLF ends a line):
/// every CR not followed by LF and every LF not preceded by CR is written as CRLF, and
/// <see cref="HasBareLineEnd"/> tells that one was seen. Bare line ends are what SMTP smuggling hides its
/// second message behind, so the server either refuses such content or stores it with real CRLFs.
/// Input may be split anywhere (a CRLF across two chunks is one line end). One instance per message.
/// </summary>
public sealed class LineEndNormalizer
{
    private bool _pendingCr;
    private bool _sawBare;

    /// <summary>A bare CR or LF was seen, counting a CR at the very end of the input so far (nothing can
    /// follow it once the content is complete).</summary>
    public bool HasBareLineEnd => _sawBare || _pendingCr;

    /// <summary>
    /// True when <paramref name="input"/> may be stored as it is: no CR is pending from the previous chunk, the
    /// chunk does not end in CR, and every LF follows a CR while there are as many CRs as LFs (so every CR is
    /// followed by its LF). Nearly every chunk is clean; this lets the caller skip the copy that
    /// <see cref="Normalize"/> makes. The state does not change (a clean chunk leaves none behind).
    /// </summary>
    public bool IsClean(ReadOnlySpan<byte> input)
    {
        if (_pendingCr || (input.Length > 0 && input[^1] == (byte)'\r')) return false;
        var lineFeeds = 0;
        for (var at = input.IndexOf((byte)'\n'); at >= 0;)
        {
            if (at == 0 || input[at - 1] != (byte)'\r') return false;
            lineFeeds++;
            var next = input[(at + 1)..].IndexOf((byte)'\n');
            at = next < 0 ? -1 : at + 1 + next;
        }
        return input.Count((byte)'\r') == lineFeeds;
    }

    /// <summary>Writes <paramref name="input"/> to <paramref name="output"/> with bare line ends made CRLF.</summary>
    public void Normalize(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var i = 0;
        if (_pendingCr && input.Length > 0)
        {
            _pendingCr = false;
            // The CR ending the previous chunk is already written; a LF here completes it.
            if (input[0] == (byte)'\n')
            {
                Write(output, "\n"u8);
                i = 1;
            }
            else
            {
                _sawBare = true;
                Write(output, "\n"u8);
            }
        }
        while (i < input.Length)
        {
            var next = input[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                Write(output, input[i..]);
                return;
            }
            var at = i + next;
            Write(output, input[i..at]);
            if (input[at] == (byte)'\n')
            {
                _sawBare = true;
                Write(output, "\r\n"u8);
                i = at + 1;
                continue;
            }
            Write(output, "\r"u8);
            if (at + 1 == input.Length)
            {
                _pendingCr = true;
                return;
            }
            if (input[at + 1] != (byte)'\n') _sawBare = true;
            Write(output, "\n"u8);
            i = input[at + 1] == (byte)'\n' ? at + 2 : at + 1;
        }
    }

    /// <summary>The content is complete: a CR it ended with was bare and gets its LF.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (!_pendingCr) return;
        _pendingCr = false;
        _sawBare = true;
        Write(output, "\n"u8);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0) output.Write(bytes);
    }
}
