using System.Net;
using System.Net.Sockets;
using ActorMTA.Server.Net;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorMTA.Server.Tests.Net;

/// <summary>How a connection ends: closed by its loop, then aborted by the stopping session, as every session does.</summary>
public sealed class SocketConnectionCloseTests : TestKit
{
    [Fact]
    public void Aborting_a_connection_its_loop_already_closed_throws_nothing_inside()
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(1);
        using var client = new TcpClient();
        client.Connect((IPEndPoint)listen.LocalEndPoint!);
        var accepted = listen.Accept();
        var session = CreateTestProbe();
        var connection = new SocketConnection(accepted, session.Ref);
        connection.Start();
        connection.Post(new CloseConnection());
        session.ExpectMsg<ConnectionClosed>(TimeSpan.FromSeconds(5));

        // Counted on this thread only: the session's PostStop calls Abort synchronously, and other tests in this
        // process may throw what they like on theirs. A caught exception per connection costs microseconds each.
        var thread = Environment.CurrentManagedThreadId;
        var thrown = new List<Exception>();
        void Count(object? _, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread) lock (thrown) thrown.Add(e.Exception);
        }
        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            connection.Abort();
            connection.Interrupt("421 bye\r\n"u8.ToArray());
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Empty(thrown);
        Assert.Equal(0, client.Client.Receive(new byte[16]));
    }
}
