using System.Net;
using System.Net.Sockets;
using ActorMTA.Server.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorMTA.Server.Tests.Net;

/// <summary>The listener's part of a graceful stop: refuse new connections, give sessions their grace, then cut them off.</summary>
public sealed class ListenerDrainTests : TestKit
{
    /// <summary>A session that reports what it is told and never ends by itself.</summary>
    private sealed class StubbornSession : ReceiveActor
    {
        private readonly Socket _socket;

        public StubbornSession(IActorRef probe, Socket socket)
        {
            _socket = socket;
            probe.Tell("started");
            ReceiveAny(probe.Tell);
        }

        protected override void PostStop() => _socket.Dispose();
    }

    [Fact]
    public void A_session_still_busy_after_the_grace_is_told_to_stop_now_and_then_stopped()
    {
        using var listenSocket = BoundSocket(out var port);
        var sessions = CreateTestProbe();
        var limiter = new ConnectionLimiter(10, 10);
        var listener = Sys.ActorOf(Listener.Props("test", listenSocket, limiter,
            (s, _) => Props.Create(() => new StubbornSession(sessions.Ref, s)), "busy\r\n"u8.ToArray()));
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        sessions.ExpectMsg("started", TimeSpan.FromSeconds(5));

        listener.Tell(new Listener.Drain(TimeSpan.FromMilliseconds(500)), TestActor);

        Assert.Equal(SessionShutdown.Graceful, sessions.ExpectMsg<SessionShutdown>(TimeSpan.FromSeconds(5)));
        var refused = Assert.Throws<SocketException>(() => new TcpClient().Connect(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(SessionShutdown.Now, sessions.ExpectMsg<SessionShutdown>(TimeSpan.FromSeconds(5)));
        // The session ignores it: it is stopped a few seconds later, and then the listener is drained.
        Assert.Equal("test", ExpectMsg<Listener.Drained>(TimeSpan.FromSeconds(10)).Listener);
    }

    [Fact]
    public void A_listener_without_sessions_is_drained_at_once()
    {
        using var listenSocket = BoundSocket(out _);
        var listener = Sys.ActorOf(Listener.Props("idle", listenSocket, new ConnectionLimiter(10, 10),
            (_, _) => Props.Empty, "busy\r\n"u8.ToArray()));

        listener.Tell(new Listener.Drain(TimeSpan.FromSeconds(30)), TestActor);

        Assert.Equal("idle", ExpectMsg<Listener.Drained>(TimeSpan.FromSeconds(2)).Listener);
    }

    private static Socket BoundSocket(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }
}
