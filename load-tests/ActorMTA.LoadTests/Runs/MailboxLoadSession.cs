using System.Net;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Runs;

/// <summary>
/// The connection side shared by the IMAP and POP3 load sessions: one connection per iteration from the session's
/// source address, timed connect and TLS upgrade, and closing that keeps the open-connection count right.
/// The protocol sessions own their latency metrics, so commands appear in the summary in the order they run.
/// </summary>
internal abstract class MailboxLoadSession(MailboxOptions options, int index, RunCounters counters) : IIterationSession
{
    private readonly IPEndPoint _target = new(options.Common.Host, options.Common.Port);
    private readonly IPAddress? _source = new SourceAddresses(options.Common.SourceIps).For(index);
    private LoadConnection? _connection;

    protected MailboxOptions Options => options;
    protected RunCounters Counters => counters;
    protected Random Random { get; } = new(index);

    public abstract Task RunIterationAsync(long sequence);

    public Task AbortAsync() => CloseAsync();

    protected async Task<LoadConnection> ConnectAsync(LatencyMetric connect)
    {
        var start = Clock.Now;
        _connection = await LoadConnection.ConnectAsync(_target, _source, options.Common.Timeout, 4096, counters, CancellationToken.None);
        counters.ConnectionOpened();
        connect.RecordSince(start);
        return _connection;
    }

    /// <summary>Sends the protocol's TLS command (<paramref name="askForTls"/>), then does the handshake.</summary>
    protected async Task UpgradeToTlsAsync(Func<Task> askForTls, LatencyMetric command, LatencyMetric handshake)
    {
        var start = Clock.Now;
        await askForTls();
        command.RecordSince(start);
        start = Clock.Now;
        await _connection!.StartTlsAsync(options.Common.TlsHost);
        handshake.RecordSince(start);
    }

    protected async Task CloseAsync()
    {
        if (_connection is not { } c) return;
        _connection = null;
        counters.ConnectionClosed();
        await c.DisposeAsync();
    }
}
