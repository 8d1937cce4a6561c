using System.Net;
using System.Net.Sockets;

namespace ActorMTA.Server.Net;

/// <summary>Opens outbound TCP connections (delivery to remote SMTP servers) for a <see cref="SocketConnection"/>.</summary>
public static class OutboundSocket
{
    /// <summary>
    /// Connects to <paramref name="remote"/>, giving up after <paramref name="timeout"/> (TimeoutException).
    /// The socket is disposed on any failure. With <paramref name="bind"/> the connection comes from that local
    /// address (an egress source), which must be of the remote's address family.
    /// </summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint remote, TimeSpan timeout, IPAddress? bind = null, CancellationToken cancellationToken = default)
    {
        if (bind is not null && bind.AddressFamily != remote.AddressFamily)
            throw new SocketException((int)SocketError.AddressFamilyNotSupported, $"source address {bind} cannot reach {remote.Address}");
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            if (bind is not null) socket.Bind(new IPEndPoint(bind, 0));
            await socket.ConnectAsync(remote, timer.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {remote} timed out after {timeout.TotalSeconds:0.#}s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
