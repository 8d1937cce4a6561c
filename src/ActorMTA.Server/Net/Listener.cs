using ActorMTA.Server.Hosting;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Net;

/// <summary>
/// Accepts connections on one bound socket and makes each one a session actor (a child, so
/// sessions live on the node that owns their socket). Enforces the connection limits before a
/// session exists, answering with the protocol's own "too busy" line.
/// </summary>
public sealed class Listener : ReceiveActor, IWithTimers
{
    public sealed record Accepted(Socket Socket);
    /// <summary>The PROXY header of an accepted connection has been read: <paramref name="Client"/> is the real client.</summary>
    private sealed record ProxyHeaderRead(Socket Socket, IPEndPoint Client);
    private sealed record ProxyHeaderFailed(Socket Socket, string Reason);
    public sealed record AcceptLoopEnded(string Reason);
    /// <summary>Stop accepting new connections (first step of a graceful shutdown).</summary>
    public sealed record StopAccepting;
    /// <summary>
    /// Ask every session to finish within <paramref name="Grace"/>; the listener answers <see cref="Drained"/> when
    /// none is left. Sessions still running when the grace is over are told to stop at once, and stopped a few
    /// seconds later if even that does not end them (a client that does not read its socket).
    /// </summary>
    public sealed record Drain(TimeSpan Grace);
    public sealed record Drained(string Listener);

    private sealed record GraceOver;
    private sealed record CutOffOver;

    /// <summary>How long a session told to stop at once may take to send its farewell before its actor is stopped.</summary>
    private static readonly TimeSpan CutOffTime = TimeSpan.FromSeconds(3);

    private readonly string _name;
    private readonly Socket _listenSocket;
    private readonly ConnectionLimiter _limiter;
    private readonly Func<Socket, IPEndPoint?, Props> _sessionProps;
    private readonly ProxyProtocolSettings? _proxy;
    private readonly byte[] _busyReply;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, IPAddress> _sessions = new();
    private readonly List<IActorRef> _drainWaiters = new();
    private bool _accepting = true;

    /// <param name="proxy">Set when every connection starts with a PROXY protocol header (only trusted peers may send one).</param>
    public Listener(string name, Socket listenSocket, ConnectionLimiter limiter, Func<Socket, IPEndPoint?, Props> sessionProps, byte[] busyReply,
        ProxyProtocolSettings? proxy = null)
    {
        _name = name;
        _listenSocket = listenSocket;
        _limiter = limiter;
        _sessionProps = sessionProps;
        _busyReply = busyReply;
        _proxy = proxy;

        Receive<Accepted>(OnAccepted);
        Receive<ProxyHeaderRead>(m => Admit(m.Socket, m.Client));
        Receive<ProxyHeaderFailed>(m =>
        {
            _log.Warning("Listener {0} closed a connection from {1}: {2}", _name, m.Socket.RemoteEndPoint, m.Reason);
            Close(m.Socket);
        });
        Receive<AcceptLoopEnded>(m =>
        {
            if (_accepting) _log.Warning("Listener {0} stopped accepting: {1}", _name, m.Reason);
        });
        Receive<Terminated>(t =>
        {
            if (_sessions.Remove(t.ActorRef, out var address)) _limiter.Release(address);
            if (_sessions.Count == 0) ReplyDrained();
        });
        Receive<StopAccepting>(_ => CloseListenSocket());
        Receive<Drain>(m =>
        {
            CloseListenSocket();
            _drainWaiters.Add(Sender);
            if (_sessions.Count == 0)
            {
                ReplyDrained();
                return;
            }
            _log.Info("Listener {0}: {1} sessions finishing (grace {2})", _name, _sessions.Count, m.Grace);
            foreach (var session in _sessions.Keys) session.Tell(SessionShutdown.Graceful);
            Timers.StartSingleTimer("grace", new GraceOver(), m.Grace);
        });
        Receive<GraceOver>(_ =>
        {
            if (_sessions.Count == 0) return;
            _log.Warning("Listener {0}: {1} sessions still running after the shutdown grace: cutting them off", _name, _sessions.Count);
            foreach (var session in _sessions.Keys) session.Tell(SessionShutdown.Now);
            Timers.StartSingleTimer("cut-off", new CutOffOver(), CutOffTime);
        });
        Receive<CutOffOver>(_ =>
        {
            foreach (var session in _sessions.Keys) Context.Stop(session);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string name, Socket listenSocket, ConnectionLimiter limiter, Func<Socket, IPEndPoint?, Props> sessionProps, byte[] busyReply,
        ProxyProtocolSettings? proxy = null) =>
        Akka.Actor.Props.Create(() => new Listener(name, listenSocket, limiter, sessionProps, busyReply, proxy));

    protected override void PreStart()
    {
        var self = Self;
        var socket = _listenSocket;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    var client = await socket.AcceptAsync();
                    self.Tell(new Accepted(client));
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    self.Tell(new AcceptLoopEnded(e.Message));
                    return;
                }
            }
        });
    }

    protected override void PostStop() => CloseListenSocket();

    private void OnAccepted(Accepted accepted)
    {
        var socket = accepted.Socket;
        if (_proxy is null)
        {
            Admit(socket, null);
            return;
        }
        // Behind a load balancer the peer is the balancer: only a trusted one may name the client, or anyone
        // could claim an address in relay-networks.
        var peer = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (!_proxy.Trusts(peer))
        {
            _log.Warning("Listener {0} closed a connection from {1}: not a trusted PROXY protocol sender", _name, peer);
            Close(socket);
            return;
        }
        ProxyHeaderReader.ReadAsync(socket, _proxy.HeaderTimeout).PipeTo(Self,
            success: client => new ProxyHeaderRead(socket, client),
            failure: e => new ProxyHeaderFailed(socket, e.GetBaseException().Message));
    }

    /// <summary>Limits are counted per real client address (the PROXY header's source when there is one).</summary>
    private void Admit(Socket socket, IPEndPoint? client)
    {
        var address = client?.Address ?? (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (!_accepting || !_limiter.TryAcquire(address))
        {
            _log.Warning("Listener {0} refused {1}: connection limit reached", _name, address);
            RefuseAsync(socket, _busyReply);
            return;
        }
        var session = Context.ActorOf(_sessionProps(socket, client));
        Context.Watch(session);
        _sessions[session] = address;
    }

    private static void RefuseAsync(Socket socket, byte[] reply) => _ = Task.Run(async () =>
    {
        try
        {
            await socket.SendAsync(reply, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        finally { socket.Dispose(); }
    });

    private static void Close(Socket socket)
    {
        try { socket.Close(); } catch (SocketException) { }
    }

    private void CloseListenSocket()
    {
        if (!_accepting) return;
        _accepting = false;
        try { _listenSocket.Close(); } catch (SocketException) { }
    }

    private void ReplyDrained()
    {
        foreach (var waiter in _drainWaiters) waiter.Tell(new Drained(_name));
        _drainWaiters.Clear();
    }
}

/// <summary>
/// Sent to every session when the server stops. <see cref="Graceful"/>: finish the current exchange (a message
/// inside DATA gets its 250), then say goodbye. <see cref="Now"/>: the shutdown grace is over, say goodbye and
/// close whatever the session is doing (a message not yet acknowledged is dropped; the client sends it again).
/// </summary>
public sealed record SessionShutdown(bool Immediately)
{
    public static readonly SessionShutdown Graceful = new(false);
    public static readonly SessionShutdown Now = new(true);
}
