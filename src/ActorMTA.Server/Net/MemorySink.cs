namespace ActorMTA.Server.Net;

/// <summary>Collects a small literal (an IMAP string literal inside a command) in memory; bounded by the reader's MaxBytes.</summary>
public sealed class MemorySink : IMessageSink
{
    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _buffer.Write(data.Span);
        return ValueTask.CompletedTask;
    }
}
