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

    private bool atLineStart = true;
    private bool wroteAny;
    private byte lastByte;
    private byte byteBeforeLast;

    /// <summary>Bytes of content passed in so far (before stuffing).</summary>
    public long ContentLength { get; private set; }

    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (input.IsEmpty) return;
        ContentLength += input.Length;
        Remember(input);

        while (!input.IsEmpty)
        {
            if (atLineStart && input[0] == (byte)'.') output.Write("."u8);
            var newline = input.IndexOf((byte)'\n');
            if (newline < 0)
            {
                output.Write(input);
                atLineStart = false;
                return;
            }
            output.Write(input[..(newline + 1)]);
            atLineStart = true;
            input = input[(newline + 1)..];
        }
    }

    /// <summary>Ends the body: CRLF first if the content did not end with one (so the terminator is on
    /// a line of its own), then ".\r\n". Empty content gives just ".\r\n".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        var endsWithCrLf = wroteAny && byteBeforeLast == (byte)'\r' && lastByte == (byte)'\n';
        output.Write(!wroteAny || endsWithCrLf ? Terminator : LineEndAndTerminator);
    }

    private void Remember(ReadOnlySpan<byte> input)
    {
        if (input.Length >= 2)
        {
            byteBeforeLast = input[^2];
        }
        else
        {
            byteBeforeLast = lastByte;
        }
        lastByte = input[^1];
        wroteAny = true;
    }
}
