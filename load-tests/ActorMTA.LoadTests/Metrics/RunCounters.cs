namespace ActorMTA.LoadTests.Metrics;

/// <summary>
/// The run's counters, updated with Interlocked from every session and read by the progress line and
/// the summary. For imap/pop3, "messages" are iterations (one login-to-logout loop).
/// </summary>
internal sealed class RunCounters
{
    private long _messagesSent;
    private long _messagesAcknowledged;
    private long _connectionsOpened;
    private long _sessionsOpen;
    private long _peakSessionsOpen;
    private long _bytesSent;
    private long _bytesReceived;
    private long _sessionsAbandoned;
    private long _messagesFetched;

    public long MessagesSent => Interlocked.Read(ref _messagesSent);
    public long MessagesAcknowledged => Interlocked.Read(ref _messagesAcknowledged);
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);
    public long SessionsOpen => Interlocked.Read(ref _sessionsOpen);
    public long PeakSessionsOpen => Interlocked.Read(ref _peakSessionsOpen);
    public long BytesSent => Interlocked.Read(ref _bytesSent);
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);
    public long SessionsAbandoned => Interlocked.Read(ref _sessionsAbandoned);
    /// <summary>imap/pop3: message bodies read (FETCH BODY[] / RETR).</summary>
    public long MessagesFetched => Interlocked.Read(ref _messagesFetched);

    public void MessageSent() => Interlocked.Increment(ref _messagesSent);
    public void MessageAcknowledged() => Interlocked.Increment(ref _messagesAcknowledged);
    public void MessageFetched() => Interlocked.Increment(ref _messagesFetched);
    public void SessionAbandoned() => Interlocked.Increment(ref _sessionsAbandoned);
    public void Sent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);
    public void Received(long bytes) => Interlocked.Add(ref _bytesReceived, bytes);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _connectionsOpened);
        var open = Interlocked.Increment(ref _sessionsOpen);
        var peak = Interlocked.Read(ref _peakSessionsOpen);
        while (open > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakSessionsOpen, open, peak);
            if (seen == peak) break;
            peak = seen;
        }
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _sessionsOpen);
}
