using System.Net;
using System.Net.Sockets;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>The loopback ports one test server listens on.</summary>
public sealed record ServerPorts(int Smtp, int Submission, int Smtps, int Pop3, int Pop3s, int Imap, int Imaps)
{
    /// <summary>
    /// Ports the kernel just handed out for port 0. All seven sockets are held open together so they
    /// differ; the small race with other processes before the server binds them is accepted.
    /// </summary>
    public static ServerPorts PickFree()
    {
        var sockets = Enumerable.Range(0, 7).Select(_ =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return s;
        }).ToList();
        try
        {
            var p = sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
            return new ServerPorts(p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }
}
