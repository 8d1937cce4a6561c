using System.Net;
using System.Net.Sockets;
using ActorMTA.Protocol.Proxy;

namespace ActorMTA.Server.Net;

/// <summary>
/// Reads the PROXY protocol header off a fresh connection without taking a byte of what follows it: the header is
/// peeked until it is complete, then exactly its octets are consumed, so a TLS ClientHello sent right behind it
/// (implicit-TLS ports) stays in the socket for the session.
/// </summary>
public static class ProxyHeaderReader
{
    /// <summary>The real client's end point: the header's source, or the peer's own address when it names none (LOCAL, UNKNOWN).</summary>
    /// <exception cref="InvalidDataException">The connection did not start with a valid header.</exception>
    /// <exception cref="TimeoutException">The header was not complete within <paramref name="timeout"/>.</exception>
    public static async Task<IPEndPoint> ReadAsync(Socket socket, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[ProxyProtocolParser.V2FixedLength + 1024];
        var seen = 0;
        try
        {
            while (true)
            {
                var peeked = await socket.ReceiveAsync(buffer, SocketFlags.Peek, deadline.Token);
                if (peeked == 0) throw new InvalidDataException("connection closed before the PROXY header");
                switch (ProxyProtocolParser.TryParse(buffer.AsSpan(0, peeked), out var header, out var error))
                {
                    case ProxyParseStatus.Invalid:
                        throw new InvalidDataException(error);
                    case ProxyParseStatus.Complete:
                        await ConsumeAsync(socket, header!.Length, deadline.Token);
                        return header.Source ?? (IPEndPoint)socket.RemoteEndPoint!;
                }
                if (peeked == buffer.Length)
                {
                    // A v2 header with long TLVs: peek at more.
                    if (buffer.Length >= ProxyProtocolParser.V2FixedLength + ushort.MaxValue) throw new InvalidDataException("PROXY header too long");
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 4, ProxyProtocolParser.V2FixedLength + ushort.MaxValue));
                }
                else if (peeked == seen)
                {
                    // Peeking returns at once while bytes are waiting; nothing new came, so wait a little for the rest.
                    await Task.Delay(5, deadline.Token);
                }
                seen = peeked;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete PROXY header within {timeout}");
        }
    }

    private static async Task ConsumeAsync(Socket socket, int length, CancellationToken cancellation)
    {
        var header = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await socket.ReceiveAsync(header.AsMemory(read), SocketFlags.None, cancellation);
            if (n == 0) throw new InvalidDataException("connection closed inside the PROXY header");
            read += n;
        }
    }
}
