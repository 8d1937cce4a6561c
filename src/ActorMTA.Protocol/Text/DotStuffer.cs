using System.Buffers;

namespace ActorMTA.Protocol.Text;

/// <summary>
/// Streaming encoder for a multi-line response body (POP3 RETR/TOP, RFC 1939 section 3): every line
/// that begins with "." gets one more "." in front, and <see cref="Complete"/> writes the ".\r\n"
/// terminator. Chunks may split lines anywhere; the line-start state is carried between calls.
/// One instance per body.
/// </summary>
public sealed class DotStuffer
{
    private static readonly byte[] Terminator = ".\r\n"u8.ToArray();
    private static readonly byte[] LineEndAndTerminator = "\r\n.\r\n"u8.ToArray();

    private bool _atLineStart = true;
    private bool _wroteAny;
    private byte _lastByte;
    private byte _byteBeforeLast;

    /// <summary>Bytes of content passed in so far (before stuffing).</summary>
    public long ContentLength { get; private set; }

    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (input.IsEmpty) return;
        ContentLength += input.Length;
        Remember(input);

        while (!input.IsEmpty)
        {
            if (_atLineStart && input[0] == (byte)'.') output.Write("."u8);
            var newline = input.IndexOf((byte)'\n');
            if (newline < 0)
            {
                output.Write(input);
                _atLineStart = false;
                return;
            }
            output.Write(input[..(newline + 1)]);
            _atLineStart = true;
            input = input[(newline + 1)..];
        }
    }

    /// <summary>Ends the body: CRLF first if the content did not end with one (so the terminator is on
    /// a line of its own), then ".\r\n". Empty content gives just ".\r\n".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        var endsWithCrLf = _wroteAny && _byteBeforeLast == (byte)'\r' && _lastByte == (byte)'\n';
        output.Write(!_wroteAny || endsWithCrLf ? Terminator : LineEndAndTerminator);
    }

    private void Remember(ReadOnlySpan<byte> input)
    {
        if (input.Length >= 2)
        {
            _byteBeforeLast = input[^2];
        }
        else
        {
            _byteBeforeLast = _lastByte;
        }
        _lastByte = input[^1];
        _wroteAny = true;
    }
}
