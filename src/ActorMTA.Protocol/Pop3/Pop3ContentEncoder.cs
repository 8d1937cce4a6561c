using System.Buffers;
using ActorMTA.Protocol.Text;

namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// Turns a stored message, read in chunks, into the body of a RETR or TOP response: the TOP excerpt
/// when a line count is given, dot-stuffed, then the ".\r\n" terminator. This is what the I/O side
/// runs for <see cref="Pop3Effect.SendMessage"/>.
/// </summary>
public sealed class Pop3ContentEncoder
{
    private readonly DotStuffer _stuffer = new();
    private readonly TopFilter? _top;

    public Pop3ContentEncoder(int? topLines)
    {
        _top = topLines is { } lines ? new TopFilter(lines) : null;
    }

    /// <summary>Encodes one chunk of the stored message. Returns false once no more input is wanted
    /// (TOP has all its lines), so the caller can stop reading and call <see cref="Complete"/>.</summary>
    public bool Encode(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        if (_top is null)
        {
            _stuffer.Encode(chunk, output);
            return true;
        }
        _stuffer.Encode(_top.Take(chunk), output);
        return !_top.IsComplete;
    }

    public void Complete(IBufferWriter<byte> output) => _stuffer.Complete(output);
}
