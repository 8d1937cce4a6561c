namespace ActorMTA.TestSupport;

/// <summary>
/// Reads LF-terminated lines (terminator kept) from a stream through one buffer, and tells whether
/// a whole line is already buffered — the receiver flushes its pending replies only when it is
/// about to wait for the client, which is how a pipelined command group gets its replies in one go.
/// </summary>
internal sealed class ScriptedSmtpReceiverLineReader(Stream stream)
{
    private const int MaxLineLength = 16 * 1024 * 1024;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public bool HasBufferedLine => _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n') >= 0;

    public bool HasBufferedBytes => _end > _start;

    /// <summary>The next line including its LF (and CR), or whatever was left at end of stream, or null.</summary>
    public async Task<byte[]?> ReadLineAsync(CancellationToken cancellation)
    {
        List<byte>? longLine = null;
        while (true)
        {
            var lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var part = _buffer.AsSpan(_start, lf + 1).ToArray();
                _start += lf + 1;
                if (longLine is null) return part;
                longLine.AddRange(part);
                return longLine.ToArray();
            }
            if (_end == _buffer.Length)
            {
                // A line longer than the buffer: keep what we have and refill from the start.
                longLine ??= [];
                longLine.AddRange(_buffer.AsSpan(_start, _end - _start).ToArray());
                if (longLine.Count > MaxLineLength) throw new InvalidDataException("line too long");
                _start = _end = 0;
            }
            else if (_start == _end)
            {
                _start = _end = 0;
            }
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellation);
            if (n == 0)
            {
                var rest = _buffer.AsSpan(_start, _end - _start).ToArray();
                _start = _end = 0;
                if (longLine is not null) return [.. longLine, .. rest];
                return rest.Length > 0 ? rest : null;
            }
            _end += n;
        }
    }
}
