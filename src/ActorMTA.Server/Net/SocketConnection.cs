using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using ActorMTA.Protocol.Pop3;
using ActorMTA.Protocol.Text;
using Akka.Actor;

namespace ActorMTA.Server.Net;

/// <summary>
/// The I/O adapter of one client connection: it owns the socket and moves bytes, nothing else.
/// The session actor posts <see cref="ConnectionDirective"/>s; one loop runs them in order and
/// tells the actor what happened. Replies are buffered and flushed only when the connection is
/// about to wait for input, which gives PIPELINING clients one packet per command group.
/// </summary>
public sealed class SocketConnection
{
    private const int ChunkSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly IActorRef _session;
    private readonly Channel<ConnectionDirective> _directives =
        Channel.CreateUnbounded<ConnectionDirective>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationTokenSource _interrupt = new();
    private ReadOnlyMemory<byte>? _farewell;
    private Stream _stream;
    private PipeReader _reader;
    private PipeWriter _writer;
    private bool _outputPending;
    // Unsolicited output (IMAP untagged updates, IDLE): written straight to the stream while the loop waits for input.
    private readonly object _waitLock = new();
    private bool _waitingForInput;
    private Task _directWrites = Task.CompletedTask;
    // Unsolicited bytes with the number of directives posted before them: they go out after that directive and
    // before the next, so they keep their place between the replies the session posted around them.
    private readonly Queue<(ReadOnlyMemory<byte> Bytes, long After)> _unsolicited = new();
    private long _posted;
    private long _current;

    /// <param name="client">The real client when a PROXY protocol header named it; else the socket's peer.</param>
    public SocketConnection(Socket socket, IActorRef session, IPEndPoint? client = null)
    {
        _socket = socket;
        _session = session;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = CreateReader(_stream);
        _writer = CreateWriter(_stream);
        RemoteEndPoint = client ?? (IPEndPoint)socket.RemoteEndPoint!;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint RemoteEndPoint { get; }
    public IPEndPoint LocalEndPoint { get; }
    public bool IsTls => _stream is SslStream;

    /// <summary>
    /// Bytes the client sent that nobody asked for yet (nothing reads before the session asks): more than zero before
    /// the greeting marks an early talker. One ioctl, non-blocking, so the actor may ask.
    /// </summary>
    public int UnreadInput
    {
        get
        {
            try { return _socket.Available; }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return 0; }
        }
    }

    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>Non-blocking: safe to call from the actor.</summary>
    public void Post(ConnectionDirective directive)
    {
        Interlocked.Increment(ref _posted);
        _directives.Writer.TryWrite(directive);
    }

    /// <summary>
    /// Server shutdown while the connection waits for the client: stop waiting, send the farewell
    /// (421 / -ERR), close. Directives still queued are dropped.
    /// </summary>
    public void Interrupt(ReadOnlyMemory<byte> farewell)
    {
        _farewell = farewell;
        try { _interrupt.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>
    /// Bytes the server sends on its own (IMAP untagged updates during IDLE). While the connection waits for input
    /// and nothing was posted after the read it waits in, they are written at once (a read and a write may run
    /// together); otherwise they are queued and go out after the directives posted before them and before any
    /// posted after them (and before the next wait for input).
    /// </summary>
    public void SendUnsolicited(ReadOnlyMemory<byte> bytes)
    {
        lock (_waitLock)
        {
            var after = Interlocked.Read(ref _posted);
            if (!_waitingForInput || after != _current)
            {
                // Not behind a ReadLine already queued (it would hold them until the client speaks).
                _unsolicited.Enqueue((bytes, after));
                return;
            }
            var stream = _stream;
            var token = _lifetime.Token;
            _directWrites = _directWrites.ContinueWith(async _ =>
            {
                try
                {
                    await stream.WriteAsync(bytes, token);
                    await stream.FlushAsync(token);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    // The read side notices the broken connection and reports it.
                }
            }, token, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Drop the connection at once (the actor is stopping).</summary>
    public void Abort()
    {
        _directives.Writer.TryComplete();
        try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
        try { _socket.Close(); } catch { /* already closed */ }
    }

    private static PipeReader CreateReader(Stream s) =>
        PipeReader.Create(s, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));

    private static PipeWriter CreateWriter(Stream s) =>
        PipeWriter.Create(s, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));

    private async Task RunAsync()
    {
        var reason = "closed";
        try
        {
            await foreach (var directive in _directives.Reader.ReadAllAsync(_lifetime.Token))
            {
                // Unsolicited bytes queued before this directive was posted go out first (an IDLE update never
                // follows the tagged reply that ends IDLE); the ones queued after it wait for it.
                long current;
                lock (_waitLock) current = ++_current;
                WriteQueuedUnsolicited(upTo: current - 1);
                switch (directive)
                {
                    case SendBytes send:
                        _writer.Write(send.Bytes.Span);
                        _outputPending = true;
                        break;
                    case ReadLine read:
                        if (!await ReadLineAsync(read)) { reason = "peer closed"; return; }
                        break;
                    case ReadDotTerminated data:
                        if (!await ReadDotTerminatedAsync(data)) { reason = "peer closed during data"; return; }
                        break;
                    case ReadExactly exact:
                        if (!await ReadExactlyAsync(exact)) { reason = "peer closed during data"; return; }
                        break;
                    case SendDotStuffed content:
                        await SendDotStuffedAsync(content);
                        break;
                    case SendContentSlice slice:
                        if (!await SendContentSliceAsync(slice)) { reason = "stored content unreadable"; return; }
                        break;
                    case StartTls tls:
                        await StartTlsAsync(tls);
                        break;
                    case StartTlsClient tls:
                        await StartTlsClientAsync(tls);
                        break;
                    case StartDeflate:
                        await StartDeflateAsync();
                        break;
                    case NotifyWhenWritten notify:
                        await FlushWhenFullAsync();
                        _session.Tell(notify.Message);
                        break;
                    case CloseConnection:
                        await FlushAsync();
                        return;
                }
            }
        }
        catch (InterruptedException)
        {
            reason = "server shutdown";
            try
            {
                if (_farewell is { } farewell) _writer.Write(farewell.Span);
                _outputPending = true;
                await FlushAsync();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        }
        catch (OperationCanceledException) { reason = "aborted"; }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            reason = e.Message;
        }
        catch (Exception e)
        {
            // A fault of ours: the session still hears of it (and logs it) instead of the connection dying silently.
            reason = "internal error: " + e;
        }
        finally
        {
            _directives.Writer.TryComplete();
            await CloseAsync();
            _session.Tell(new ConnectionClosed(reason));
        }
    }

    private void WriteQueuedUnsolicited(long upTo)
    {
        lock (_waitLock)
        {
            while (_unsolicited.TryPeek(out var next) && next.After <= upTo)
            {
                _unsolicited.Dequeue();
                _writer.Write(next.Bytes.Span);
                _outputPending = true;
            }
        }
    }

    private async ValueTask FlushAsync()
    {
        if (!_outputPending) return;
        _outputPending = false;
        await _writer.FlushAsync(_lifetime.Token);
    }

    /// <summary>Reads whatever is buffered, or flushes pending replies and waits for more until the deadline.</summary>
    private async ValueTask<ReadResult> ReadAsync(bool tryBufferedFirst, ReadDeadline deadline, long bytesSoFar = 0)
    {
        if (tryBufferedFirst && _reader.TryRead(out var buffered)) return buffered;
        var timeout = deadline.Remaining(bytesSoFar);
        if (timeout <= TimeSpan.Zero) throw new ReadTimeoutException();
        while (true)
        {
            WriteQueuedUnsolicited(upTo: Interlocked.Read(ref _current));
            await FlushAsync();
            lock (_waitLock)
            {
                if (!_unsolicited.TryPeek(out var next) || next.After > _current)
                {
                    _waitingForInput = true;
                    break;
                }
            }
        }
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token, _interrupt.Token);
        timer.CancelAfter(timeout);
        try
        {
            return await _reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (_interrupt.IsCancellationRequested)
        {
            throw new InterruptedException();
        }
        catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested)
        {
            throw new ReadTimeoutException();
        }
        finally
        {
            Task pending;
            lock (_waitLock)
            {
                _waitingForInput = false;
                pending = _directWrites;
            }
            // The loop writes again only after unsolicited bytes already on their way are out.
            await pending;
        }
    }

    private async Task<bool> ReadLineAsync(ReadLine request)
    {
        var lines = new LineReader(request.MaxLength);
        var deadline = ReadDeadline.Start(request.Timeout, TransferPace.None);
        var first = true;
        try
        {
            while (true)
            {
                var result = await ReadAsync(first, deadline);
                first = false;
                var rest = result.Buffer;
                switch (lines.TryRead(ref rest, out var line))
                {
                    case LineReadStatus.Line:
                        var bytes = line.ToArray();
                        _reader.AdvanceTo(rest.Start);
                        _session.Tell(new LineReceived(bytes));
                        return true;
                    case LineReadStatus.TooLong:
                        // The over-long line was read to its end and dropped, so one huge line costs no memory.
                        _reader.AdvanceTo(rest.Start);
                        _session.Tell(LineTooLong.Instance);
                        return true;
                    default:
                        _reader.AdvanceTo(rest.Start, result.Buffer.End);
                        if (result.IsCompleted) return false;
                        break;
                }
            }
        }
        catch (ReadTimeoutException)
        {
            _session.Tell(ReadTimedOut.Instance);
            return true;
        }
    }

    private async Task<bool> ReadDotTerminatedAsync(ReadDotTerminated request)
    {
        var unstuffer = new DotUnstuffer();
        using var output = new PooledBufferWriter(ChunkSize);
        long total = 0;
        var tooBig = false;
        var deadline = ReadDeadline.Start(request.Timeout, request.Pace);
        var first = true;
        try
        {
            while (true)
            {
                var result = await ReadAsync(first, deadline, total);
                first = false;
                var buffer = result.Buffer;
                var complete = unstuffer.Decode(buffer, output, out var consumed) == OperationStatus.Done;
                // Bytes after the terminating dot are the client's next (pipelined) commands: leave them
                // unexamined, or the next read would wait for new input instead of answering them.
                if (complete) _reader.AdvanceTo(consumed);
                else _reader.AdvanceTo(consumed, buffer.End);
                if (output.WrittenCount > 0)
                {
                    total += output.WrittenCount;
                    if (total > request.MaxBytes) tooBig = true;
                    else await request.Sink.WriteAsync(output.WrittenMemory, _lifetime.Token);
                    output.ResetWrittenCount();
                }
                if (complete)
                {
                    _session.Tell(new DataCompleted(total, tooBig));
                    return true;
                }
                if (result.IsCompleted) return false;
            }
        }
        catch (ReadTimeoutException)
        {
            _session.Tell(ReadTimedOut.Instance);
            return true;
        }
    }

    private async Task<bool> ReadExactlyAsync(ReadExactly request)
    {
        long remaining = request.Count;
        long written = 0;
        var tooBig = false;
        var deadline = ReadDeadline.Start(request.Timeout, request.Pace);
        var first = true;
        try
        {
            while (remaining > 0)
            {
                var result = await ReadAsync(first, deadline, written);
                first = false;
                var buffer = result.Buffer;
                var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
                foreach (var segment in take)
                {
                    if (written + segment.Length > request.MaxBytes) tooBig = true;
                    if (!tooBig) await request.Sink.WriteAsync(segment, _lifetime.Token);
                    written += segment.Length;
                }
                remaining -= take.Length;
                _reader.AdvanceTo(take.End);
                if (remaining > 0 && result.IsCompleted) return false;
            }
            _session.Tell(new DataCompleted(written, tooBig));
            return true;
        }
        catch (ReadTimeoutException)
        {
            _session.Tell(ReadTimedOut.Instance);
            return true;
        }
    }

    private async Task SendDotStuffedAsync(SendDotStuffed request)
    {
        Stream content;
        try
        {
            content = request.OpenContent();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Any store's failure (a missing file, or a database error or timeout with the postgresql backend) is
            // the session's to answer with -ERR; escaping here would close the connection with nothing logged.
            _session.Tell(new ContentSent(false, e.GetType().Name + ": " + e.Message) { Started = false });
            return;
        }
        await using (content)
        {
            _writer.Write(request.Preamble.Span);
            var encoder = new Pop3ContentEncoder(request.TopLines);
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                int read;
                // Synchronous reads: stored content is page-cache hot (just written, or read by the client a moment ago);
                // an async read on a Linux FileStream is a thread-pool hop per call.
                while ((read = content.Read(chunk, 0, ChunkSize)) > 0)
                {
                    var more = encoder.Encode(chunk.AsSpan(0, read), _writer);
                    await FlushWhenFullAsync();
                    if (!more) break;
                }
                encoder.Complete(_writer);
                _outputPending = true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
        _session.Tell(new ContentSent(true));
    }

    private ValueTask<FlushResult> FlushWhenFullAsync() =>
        !_writer.CanGetUnflushedBytes || _writer.UnflushedBytes >= ChunkSize
            ? _writer.FlushAsync(_lifetime.Token)
            : ValueTask.FromResult(default(FlushResult));

    private async Task<bool> SendContentSliceAsync(SendContentSlice request)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            await using var content = request.OpenContent();
            if (content.CanSeek) content.Seek(request.Offset, SeekOrigin.Begin);
            else
            {
                for (var skip = request.Offset; skip > 0;)
                {
                    var skipped = content.Read(chunk, 0, (int)Math.Min(ChunkSize, skip));
                    if (skipped == 0) throw new EndOfStreamException("stored content is shorter than announced");
                    skip -= skipped;
                }
            }
            var remaining = request.Length;
            while (remaining > 0)
            {
                var read = content.Read(chunk, 0, (int)Math.Min(ChunkSize, remaining));
                if (read == 0) throw new EndOfStreamException("stored content is shorter than announced");
                _writer.Write(chunk.AsSpan(0, read));
                // A FETCH of many small messages is one send per ~64 KiB, not one per message.
                await FlushWhenFullAsync();
                remaining -= read;
            }
            _outputPending = true;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _session.Tell(new ContentSent(false, e.GetType().Name + ": " + e.Message));
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private async Task StartTlsAsync(StartTls request)
    {
        await FlushAsync();
        // Anything the client sent after STARTTLS and before the handshake is dropped with the old
        // reader (RFC 3207 §4.2: plaintext injected before TLS must not be acted on).
        await _reader.CompleteAsync();
        await _writer.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        timer.CancelAfter(request.HandshakeTimeout);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = request.Certificate,
            ClientCertificateRequired = false,
        }, timer.Token);
        _stream = ssl;
        _reader = CreateReader(ssl);
        _writer = CreateWriter(ssl);
        _session.Tell(new TlsEstablished(ssl.SslProtocol.ToString(), ssl.NegotiatedCipherSuite.ToString()));
    }

    private async Task StartDeflateAsync()
    {
        await FlushAsync();
        // The client compresses only after the tagged OK (RFC 4978 section 3), so nothing is buffered yet.
        await _reader.CompleteAsync();
        await _writer.CompleteAsync();
        var deflate = new DeflateDuplexStream(_stream);
        _stream = deflate;
        _reader = CreateReader(deflate);
        _writer = CreateWriter(deflate);
    }

    private async Task StartTlsClientAsync(StartTlsClient request)
    {
        await FlushAsync();
        await _reader.CompleteAsync();
        await _writer.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        timer.CancelAfter(request.HandshakeTimeout);
        var options = new SslClientAuthenticationOptions { TargetHost = request.TargetHost };
        if (!request.VerifyCertificate) options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        await ssl.AuthenticateAsClientAsync(options, timer.Token);
        _stream = ssl;
        _reader = CreateReader(ssl);
        _writer = CreateWriter(ssl);
        _session.Tell(new TlsEstablished(ssl.SslProtocol.ToString(), ssl.NegotiatedCipherSuite.ToString()));
    }

    private async Task CloseAsync()
    {
        try { await _writer.CompleteAsync(); } catch { /* peer gone */ }
        try { await _reader.CompleteAsync(); } catch { /* peer gone */ }
        try { _socket.Shutdown(SocketShutdown.Both); } catch { /* peer gone */ }
        try { await _stream.DisposeAsync(); } catch { /* peer gone */ }
        // The two token sources are left undisposed: they hold no timer or wait handle, and the session's Abort
        // (its PostStop, after every close) cancelling a disposed one threw an ObjectDisposedException per
        // connection, 500 a second when each message comes on its own connection.
    }

    private sealed class ReadTimeoutException : Exception;

    /// <summary>
    /// One read request's time budget: a total deadline from its start (not restarted by each byte, so a client
    /// trickling bytes cannot hold the connection) and, for message data, a minimum pace.
    /// </summary>
    private readonly record struct ReadDeadline(long Started, TimeSpan Total, TransferPace Pace)
    {
        public static ReadDeadline Start(TimeSpan total, TransferPace pace) => new(Stopwatch.GetTimestamp(), total, pace);

        /// <summary>How long the next wait for input may last, given the bytes received so far.</summary>
        public TimeSpan Remaining(long bytesSoFar)
        {
            var elapsed = Stopwatch.GetElapsedTime(Started);
            var limit = Total;
            if (Pace.BehindAt(bytesSoFar) is { } behind && behind < limit) limit = behind;
            return limit - elapsed;
        }
    }

    private sealed class InterruptedException : Exception;
}
