using System.Net;
using System.Net.Sockets;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>The loopback ports one test server listens on.</summary>
public sealed record ServerPorts(int Smtp, int Submission, int Smtps, int Pop3, int Pop3s, int Imap, int Imaps)
{
    // Ports this test process has handed out already. The kernel may give a just-released port out again, so
    // without this a fixture's own port (a sink) could become a test server's listener port a moment later.
    private static readonly HashSet<int> HandedOut = new();

    /// <summary>
    /// Ports the kernel just handed out for port 0, none of them handed out before in this process. The sockets
    /// are held open together so they differ; the small race with other processes before the server binds them
    /// is accepted.
    /// </summary>
    public static ServerPorts PickFree()
    {
        var p = Pick(7);
        return new ServerPorts(p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    }

    /// <summary>One free port for a test's own listener, by the same rule as <see cref="PickFree"/>.</summary>
    public static int PickOne() => Pick(1)[0];

    private static int[] Pick(int count)
    {
        var sockets = new List<Socket>();
        try
        {
            var ports = new List<int>();
            lock (HandedOut)
            {
                while (ports.Count < count)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                    if (HandedOut.Add(port)) ports.Add(port);
                }
            }
            return ports.ToArray();
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }
}
