using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorMTA.TestSupport;

/// <summary>What a <see cref="ScriptedSmtpReceiver"/> does with a connection.</summary>
public enum ReceiverMode
{
    /// <summary>Every transaction is accepted with 250 (per-recipient rejections still apply).</summary>
    Accept,

    /// <summary>Each transaction takes the next outcome from the script; an empty script accepts.</summary>
    Scripted,

    /// <summary>Every new connection is greeted with 421 4.3.2 and closed.</summary>
    Greeting421,
}

/// <summary>
/// A real SMTP server on one loopback address (127.0.0.0/8 only) for delivery tests: it advertises
/// PIPELINING, SIZE, 8BITMIME (unless <see cref="Advertise8BitMime"/> is off), SMTPUTF8, ENHANCEDSTATUSCODES, DSN (with <see cref="AdvertiseDsn"/>) (STARTTLS only after
/// <see cref="EnableStartTls"/>), answers pipelined command groups in order, and can be scripted
/// per transaction to accept, answer 4xx/5xx, drop the connection, greet with 421, be slow
/// (<see cref="ResponseDelay"/>) or be down (<see cref="Down"/>/<see cref="Up"/> on the same
/// address and port). Every accepted message is recorded byte-exact. Thread-safe.
/// </summary>
public sealed class ScriptedSmtpReceiver : IAsyncDisposable, IDisposable
{
    /// <summary>In <see cref="ScriptReplies"/>: close the connection after the content instead of replying.</summary>
    public const int DropCode = 0;

    private const int BindAttempts = 20;

    private readonly object _gate = new();
    private readonly List<ReceivedSmtpMessage> _messages = [];
    private readonly Queue<ScriptedOutcome> _script = new();
    private readonly Queue<int> _greetings = new();
    private readonly ConcurrentDictionary<string, (int Code, string Text)> _rejectedRecipients = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<int, Socket> _openConnections = new();
    private readonly ConcurrentQueue<ReceivedSmtpCommand> _commands = new();
    private TaskCompletionSource _changed = NewSignal();
    private Socket? _listener;
    private CancellationTokenSource? _acceptLoopStop;
    // Cancelled when Down() cuts the open connections, so their pending delays and reads end with them.
    private CancellationTokenSource _connectionsCut = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _connectionIds;
    private int _currentConnections;
    private int _maxConcurrentConnections;
    private int _totalConnections;
    private int _transactions;
    private volatile bool _disposed;

    private ScriptedSmtpReceiver(IPEndPoint endPoint, string hostName)
    {
        EndPoint = endPoint;
        HostName = hostName;
    }

    /// <summary>Where the receiver listens (the port is the bound one even when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; private set; }

    public IPAddress Address => EndPoint.Address;
    public int Port => EndPoint.Port;

    /// <summary>The name in the greeting and EHLO reply.</summary>
    public string HostName { get; }

    /// <summary>False while <see cref="Down"/>: connections are refused.</summary>
    public bool IsUp => _listener is not null;

    public ReceiverMode Mode { get; set; } = ReceiverMode.Accept;

    /// <summary>Used in <see cref="ReceiverMode.Scripted"/> when the script is empty.</summary>
    public ScriptedOutcome DefaultOutcome { get; set; } = ScriptedOutcome.Accept;

    /// <summary>Waited before every reply, the greeting included: a slow domain.</summary>
    public TimeSpan ResponseDelay { get; set; } = TimeSpan.Zero;

    /// <summary>A connection silent for this long is closed (without a reply).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Advertised as SIZE; a MAIL with a larger SIZE= gets 552 5.3.4.</summary>
    public long MaxMessageSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>False: EHLO does not offer 8BITMIME (RFC 6152), so 8-bit mail must be converted before it is sent.</summary>
    public bool Advertise8BitMime { get; set; } = true;

    /// <summary>True: EHLO offers DSN (RFC 3461), so the client passes RET/ENVID/NOTIFY/ORCPT on.</summary>
    public bool AdvertiseDsn { get; set; }

    /// <summary>False: EHLO gets 502 5.5.2 so the client must fall back to HELO.</summary>
    public bool EhloSupported { get; set; } = true;

    /// <summary>The certificate offered after STARTTLS; null = STARTTLS not advertised.</summary>
    public X509Certificate2? TlsCertificate { get; set; }

    /// <summary>
    /// Connections open right now. A connection stops counting when its QUIT arrives: the client may
    /// open its next connection as soon as it has the 221, before this side has finished closing.
    /// </summary>
    public int CurrentConnections => Volatile.Read(ref _currentConnections);

    /// <summary>The most connections that were open at the same time since start (or <see cref="ResetCounters"/>).</summary>
    public int MaxConcurrentConnections => Volatile.Read(ref _maxConcurrentConnections);

    /// <summary>Connections accepted since start (or <see cref="ResetCounters"/>).</summary>
    public int TotalConnections => Volatile.Read(ref _totalConnections);

    /// <summary>MAIL commands that started a transaction (each consumed one scripted outcome).</summary>
    public int Transactions => Volatile.Read(ref _transactions);

    /// <summary>Every message accepted so far, in the order they were accepted.</summary>
    public IReadOnlyList<ReceivedSmtpMessage> Messages
    {
        get { lock (_gate) return _messages.ToArray(); }
    }

    /// <summary>Every command line received so far, all connections, in arrival order.</summary>
    public IReadOnlyList<ReceivedSmtpCommand> Commands => _commands.ToArray();

    /// <summary>
    /// Starts listening on <paramref name="address"/> (a 127.0.0.0/8 address) and <paramref name="port"/>
    /// (0 = a free port; several receivers may share one port number on different addresses).
    /// </summary>
    public static ScriptedSmtpReceiver Start(string address = "127.0.0.2", int port = 0, string? hostName = null)
    {
        var ip = IPAddress.Parse(address);
        if (ip.AddressFamily != AddressFamily.InterNetwork || ip.GetAddressBytes()[0] != 127)
            throw new ArgumentException("scripted receivers bind loopback addresses (127.0.0.0/8) only", nameof(address));
        var receiver = new ScriptedSmtpReceiver(new IPEndPoint(ip, port), hostName ?? $"mx-{address}.receiver.test");
        receiver.Up();
        return receiver;
    }

    /// <summary>
    /// One receiver per address, all on the same port (so one remote-smtp-port reaches all of them).
    /// A port that turns out to be taken on one of the addresses is given up and another one tried.
    /// </summary>
    public static IReadOnlyList<ScriptedSmtpReceiver> StartGroup(params string[] addresses)
    {
        if (addresses.Length == 0) throw new ArgumentException("at least one address", nameof(addresses));
        for (var attempt = 0; ; attempt++)
        {
            var started = new List<ScriptedSmtpReceiver>();
            try
            {
                var first = Start(addresses[0]);
                started.Add(first);
                foreach (var address in addresses.Skip(1)) started.Add(Start(address, first.Port));
                return started;
            }
            catch (SocketException) when (attempt < BindAttempts)
            {
                foreach (var receiver in started) receiver.Dispose();
            }
        }
    }

    /// <summary>Starts listening again on the same address and port (after <see cref="Down"/>).</summary>
    public void Up()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listener is not null) return;
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // Connections closed by the receiver linger in TIME_WAIT; they must not block a rebind.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(EndPoint);
                socket.Listen(512);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            EndPoint = (IPEndPoint)socket.LocalEndPoint!;
            _listener = socket;
            _acceptLoopStop = new CancellationTokenSource();
            _acceptLoop = AcceptLoopAsync(socket, _acceptLoopStop.Token);
        }
    }

    /// <summary>
    /// Stops listening (new connections are refused) and, unless told otherwise, cuts every open
    /// connection without a reply — a host that died.
    /// </summary>
    public void Down(bool closeOpenConnections = true)
    {
        Socket? listener;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
            _acceptLoopStop?.Cancel();
            _acceptLoopStop?.Dispose();
            _acceptLoopStop = null;
        }
        listener?.Dispose();
        if (!closeOpenConnections) return;
        var cut = Interlocked.Exchange(ref _connectionsCut, new CancellationTokenSource());
        cut.Cancel();
        cut.Dispose();
        foreach (var socket in _openConnections.Values) AbortSocket(socket);
    }

    /// <summary>The next transactions end with these codes, in order (see <see cref="ScriptedOutcome.FromCode"/>); sets <see cref="ReceiverMode.Scripted"/>.</summary>
    public void ScriptReplies(params int[] codesForData) => Script(codesForData.Select(ScriptedOutcome.FromCode).ToArray());

    /// <summary>The next transactions end with these outcomes, in order; sets <see cref="ReceiverMode.Scripted"/>.</summary>
    public void Script(params ScriptedOutcome[] outcomes)
    {
        lock (_gate)
        {
            foreach (var outcome in outcomes) _script.Enqueue(outcome);
            Mode = ReceiverMode.Scripted;
        }
    }

    /// <summary>The next connections are greeted with these codes in order (220 = normal; anything else is sent and the connection closed).</summary>
    public void ScriptGreetings(params int[] codes)
    {
        lock (_gate)
            foreach (var code in codes) _greetings.Enqueue(code);
    }

    /// <summary>RCPT TO this address is answered with the code (default 550 5.1.1), in any mode.</summary>
    public void RejectRecipient(string address, int code = 550, string text = "5.1.1 No such user here") =>
        _rejectedRecipients[address] = (code, text);

    public void AcceptRecipient(string address) => _rejectedRecipients.TryRemove(address, out _);

    /// <summary>Scripted outcomes not consumed yet.</summary>
    public int PendingScript
    {
        get { lock (_gate) return _script.Count; }
    }

    /// <summary>Forgets received messages and commands.</summary>
    public void ClearMessages()
    {
        lock (_gate) _messages.Clear();
        _commands.Clear();
    }

    /// <summary>Restarts connection counting (max concurrency from the connections open now).</summary>
    public void ResetCounters()
    {
        Volatile.Write(ref _maxConcurrentConnections, CurrentConnections);
        Volatile.Write(ref _totalConnections, 0);
        Volatile.Write(ref _transactions, 0);
    }

    /// <summary>Offers STARTTLS with a fresh self-signed certificate for <see cref="HostName"/>.</summary>
    public void EnableStartTls()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={HostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Exported and re-imported so the private key is usable by SslStream on every platform.
        TlsCertificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Waits until at least <paramref name="count"/> messages were accepted; returns all of them.</summary>
    public async Task<IReadOnlyList<ReceivedSmtpMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_messages.Count >= count) return _messages.ToArray();
                changed = _changed.Task;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"{EndPoint}: {Messages.Count} messages received within {timeout}, expected {count}");
            await Task.WhenAny(changed, Task.Delay(remaining));
        }
    }

    // ---- used by the sessions ----

    internal int NextGreetingCode()
    {
        lock (_gate)
        {
            if (_greetings.Count > 0) return _greetings.Dequeue();
            return Mode == ReceiverMode.Greeting421 ? 421 : 220;
        }
    }

    internal ScriptedOutcome StartTransaction()
    {
        Interlocked.Increment(ref _transactions);
        lock (_gate)
        {
            if (Mode != ReceiverMode.Scripted) return ScriptedOutcome.Accept;
            return _script.Count > 0 ? _script.Dequeue() : DefaultOutcome;
        }
    }

    internal (int Code, string Text)? RecipientRejection(string address) =>
        _rejectedRecipients.TryGetValue(address, out var rejection) ? rejection : null;

    internal void Record(ReceivedSmtpMessage message)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _messages.Add(message);
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
    }

    internal void LogCommand(int connectionId, string line) => _commands.Enqueue(new ReceivedSmtpCommand(connectionId, line, DateTimeOffset.UtcNow));

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return; // Down() or Dispose()
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var id = Interlocked.Increment(ref _connectionIds);
        var now = Interlocked.Increment(ref _currentConnections);
        Interlocked.Increment(ref _totalConnections);
        for (var max = MaxConcurrentConnections; now > max; max = MaxConcurrentConnections)
            if (Interlocked.CompareExchange(ref _maxConcurrentConnections, now, max) == max) break;
        _openConnections[id] = client;
        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) Interlocked.Decrement(ref _currentConnections);
        }
        try
        {
            client.NoDelay = true;
            await new ScriptedSmtpReceiverSession(this, client, id, Release, _connectionsCut.Token).RunAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException
                                      or InvalidDataException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, the receiver was taken down, or a scripted drop: nothing to report.
        }
        finally
        {
            _openConnections.TryRemove(id, out _);
            client.Dispose();
            Release();
        }
    }

    internal static void AbortSocket(Socket socket)
    {
        try { socket.Shutdown(SocketShutdown.Both); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        try { socket.Close(0); }
        catch (ObjectDisposedException) { }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose()
    {
        if (_disposed) return;
        Down();
        _disposed = true;
        TlsCertificate?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        var loop = _acceptLoop;
        Dispose();
        try { await loop; }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    public override string ToString() => $"ScriptedSmtpReceiver {EndPoint} ({(IsUp ? Mode.ToString() : "down")})";
}
