using System.Buffers;

namespace ActorMTA.Protocol.Text;

/// <summary>
/// Streaming decoder for SMTP DATA content (RFC 5321 section 4.5.2): removes the leading "." that the
/// client added to every line starting with ".", and finds the end of the data, the line holding only
/// "." (the sequence CRLF "." CRLF; right after DATA a lone ".\r\n" is an empty message). The output is
/// the message as it is stored: CRLF line ends kept, including the CRLF that precedes the final dot.
/// Input may be split anywhere; the state is carried between calls. One instance per message.
/// </summary>
/// <remarks>
/// Only CRLF ends a line. A bare LF or CR never starts a line, so "\n.\n" or "\n.\r\n" is not an end of
/// data: accepting them is what makes SMTP smuggling possible (a downstream server splitting the content
/// into a second message).
/// </remarks>
public sealed class DotUnstuffer
{
    private enum State
    {
        LineStart,
        Dot,       // "." at a line start, held back: a stuffing dot or the terminator
        DotCr,     // ".\r" at a line start, held back
        Text,
        Cr,        // inside a line, just after a CR
        Complete,
    }

    private State _state = State.LineStart;

    /// <summary>Bytes of message written so far (after unstuffing).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The end-of-data line has been consumed.</summary>
    public bool IsComplete => _state == State.Complete;

    /// <summary>Decodes as much of <paramref name="input"/> as belongs to the message.</summary>
    /// <param name="output">Receives the unstuffed message; null discards it (only
    /// <see cref="BytesWritten"/> is counted), for reading past a message that is too big.</param>
    /// <param name="consumed">Bytes of input used; everything when more data is needed, otherwise up to
    /// and including the terminating CRLF (bytes after it are the next command).</param>
    /// <returns><see cref="OperationStatus.Done"/> once the end of data is reached,
    /// <see cref="OperationStatus.NeedMoreData"/> otherwise.</returns>
    public OperationStatus Decode(ReadOnlySpan<byte> input, IBufferWriter<byte>? output, out int consumed)
    {
        consumed = 0;
        var i = 0;
        while (i < input.Length && _state != State.Complete)
        {
            if (_state == State.Text)
            {
                // The common case: copy everything up to the next CR in one go.
                var cr = input[i..].IndexOf((byte)'\r');
                var end = cr < 0 ? input.Length : i + cr + 1;
                Write(input[i..end], output);
                i = end;
                if (cr >= 0) _state = State.Cr;
                continue;
            }
            Step(input[i], output);
            i++;
        }
        consumed = i;
        return _state == State.Complete ? OperationStatus.Done : OperationStatus.NeedMoreData;
    }

    /// <inheritdoc cref="Decode(ReadOnlySpan{byte}, IBufferWriter{byte}?, out int)"/>
    public OperationStatus Decode(in ReadOnlySequence<byte> input, IBufferWriter<byte>? output, out SequencePosition consumed)
    {
        var position = input.Start;
        var next = input.Start;
        while (input.TryGet(ref next, out var memory))
        {
            var status = Decode(memory.Span, output, out var used);
            if (status == OperationStatus.Done)
            {
                consumed = input.GetPosition(used, position);
                return status;
            }
            position = next;
        }
        consumed = input.End;
        return IsComplete ? OperationStatus.Done : OperationStatus.NeedMoreData;
    }

    private void Step(byte b, IBufferWriter<byte>? output)
    {
        switch (_state)
        {
            case State.LineStart:
                if (b == (byte)'.')
                {
                    _state = State.Dot;
                    return;
                }
                WriteByte(b, output);
                _state = b == (byte)'\r' ? State.Cr : State.Text;
                return;

            case State.Dot:
                if (b == (byte)'\r')
                {
                    _state = State.DotCr;
                    return;
                }
                // A dot followed by more text is a stuffing dot: drop it, keep the rest.
                WriteByte(b, output);
                _state = State.Text;
                return;

            case State.DotCr:
                if (b == (byte)'\n')
                {
                    _state = State.Complete;
                    return;
                }
                // "." CR and more on the same line: the dot still was stuffing, the CR is content.
                WriteByte((byte)'\r', output);
                WriteByte(b, output);
                _state = b == (byte)'\r' ? State.Cr : State.Text;
                return;

            case State.Cr:
                WriteByte(b, output);
                _state = b switch
                {
                    (byte)'\n' => State.LineStart,
                    (byte)'\r' => State.Cr,
                    _ => State.Text,
                };
                return;

            default:
                throw new InvalidOperationException($"Unexpected decoder state {_state}.");
        }
    }

    private void Write(ReadOnlySpan<byte> bytes, IBufferWriter<byte>? output)
    {
        output?.Write(bytes);
        BytesWritten += bytes.Length;
    }

    private void WriteByte(byte b, IBufferWriter<byte>? output)
    {
        if (output is not null)
        {
            output.GetSpan(1)[0] = b;
            output.Advance(1);
        }
        BytesWritten++;
    }
}
