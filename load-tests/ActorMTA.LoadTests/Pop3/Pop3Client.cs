using System.Text;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Pop3;

/// <summary>
/// The client side of a POP3 conversation on a <see cref="LoadConnection"/>: status lines and
/// dot-terminated multi-line answers (lines of any length). Used by load sessions and the verifier.
/// </summary>
internal sealed class Pop3Client(LoadConnection connection)
{
    public LoadConnection Connection { get; } = connection;

    /// <summary>Reads a status line; anything but +OK is a failure keyed `-ERR NAME` (or `greeting -ERR`).</summary>
    public async Task<string> ExpectOkAsync(string what)
    {
        var line = Encoding.UTF8.GetString((await Connection.ReadLineAsync()).Span);
        if (line.StartsWith("+OK", StringComparison.Ordinal)) return line;
        throw new LoadException(line.StartsWith("-ERR", StringComparison.Ordinal) ? $"-ERR {what}" : "protocol", line);
    }

    public async Task<string> CommandAsync(string command)
    {
        await Connection.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"));
        return await ExpectOkAsync(command.Split(' ')[0].ToUpperInvariant());
    }

    /// <summary>
    /// Reads the lines of a multi-line answer up to the lone "."; <paramref name="onLine"/> gets each
    /// complete line (dot-unstuffed) that is at most 64 KiB. Returns the bytes read.
    /// </summary>
    public async Task<long> ReadMultiLineAsync(Action<ReadOnlySpan<byte>>? onLine = null)
    {
        long bytes = 0;
        var atLineStart = true;
        while (true)
        {
            var (piece, complete) = await Connection.ReadLinePieceAsync();
            bytes += piece.Length + (complete ? 2 : 0);
            if (atLineStart && complete)
            {
                var span = piece.Span;
                if (span is [(byte)'.']) return bytes;
                onLine?.Invoke(span is [(byte)'.', ..] ? span[1..] : span);
            }
            atLineStart = complete;
        }
    }

    /// <summary>Sends several commands in one write (RFC 2449 PIPELINING); the caller reads the answers in order.</summary>
    public ValueTask WriteBatchAsync(IEnumerable<string> commands) =>
        Connection.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(commands.Select(c => c + "\r\n"))));
}
