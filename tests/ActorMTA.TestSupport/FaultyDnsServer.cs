using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.TestSupport;

/// <summary>What <see cref="FaultyDnsServer"/> does with a query.</summary>
public enum DnsFault
{
    /// <summary>Relays the query to the upstream server (dnsmasq) and its answer back: DNS works.</summary>
    None,
    /// <summary>Answers SERVFAIL (RCODE 2).</summary>
    ServFail,
    /// <summary>Answers REFUSED (RCODE 5).</summary>
    Refused,
    /// <summary>Never answers: the client times out.</summary>
    NoAnswer,
    /// <summary>Answers with the TC bit and no records; there is no TCP listener to fall back to.</summary>
    Truncated,
    /// <summary>Answers bytes that are not a DNS message.</summary>
    Garbage,
}

/// <summary>
/// A UDP DNS server on a loopback port whose behaviour a test switches at run time (<see cref="Fault"/>): broken in
/// one of the ways real resolvers break, or relaying to a working upstream. Counts the queries it got by name and type.
/// </summary>
public sealed class FaultyDnsServer : IDisposable
{
    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _queries = new();

    public FaultyDnsServer(IPEndPoint? upstream = null, DnsFault fault = DnsFault.ServFail)
    {
        Upstream = upstream;
        Fault = fault;
        _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.Client.LocalEndPoint!;
        _ = Task.Run(ServeAsync);
    }

    public IPEndPoint EndPoint { get; }

    public DnsFault Fault { get; set; }

    /// <summary>Where queries are relayed to when <see cref="Fault"/> is <see cref="DnsFault.None"/>; null: they are not answered.</summary>
    public IPEndPoint? Upstream { get; set; }

    /// <summary>Every query received so far, as "TYPE name".</summary>
    public IReadOnlyList<string> Queries => _queries.ToArray();

    /// <summary>Queries received so far for <paramref name="name"/> (case-insensitive) of <paramref name="type"/> ("MX", "A", ...).</summary>
    public int QueryCount(string type, string name) =>
        _queries.Count(q => q.Equals($"{type} {name.TrimEnd('.')}", StringComparison.OrdinalIgnoreCase));

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try { received = await _socket.ReceiveAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            var query = received.Buffer;
            if (query.Length < 12) continue;
            _queries.Enqueue(Describe(query));
            var reply = Fault switch
            {
                DnsFault.ServFail => WithFlags(query, rcode: 2, truncated: false),
                DnsFault.Refused => WithFlags(query, rcode: 5, truncated: false),
                DnsFault.Truncated => WithFlags(query, rcode: 0, truncated: true),
                DnsFault.Garbage => [query[0], query[1], 0xFF, 0xFF, 0xFF],
                DnsFault.None when Upstream is { } upstream => await RelayAsync(query, upstream),
                _ => null,
            };
            if (reply is null) continue;
            try { await _socket.SendAsync(reply, received.RemoteEndPoint); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }

    private async Task<byte[]?> RelayAsync(byte[] query, IPEndPoint upstream)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendAsync(query, upstream);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try { return (await client.ReceiveAsync(timeout.Token)).Buffer; }
        catch (OperationCanceledException) { return null; }
    }

    /// <summary>The query itself turned into an answer with no records: QR set, the given RCODE and TC bit.</summary>
    private static byte[] WithFlags(byte[] query, int rcode, bool truncated)
    {
        var questionEnd = QuestionEnd(query);
        var reply = query[..questionEnd];
        reply[2] = (byte)(0x80 | (query[2] & 0x79) | (truncated ? 0x02 : 0)); // QR, opcode and RD kept, TC
        reply[3] = (byte)(0x80 | rcode); // RA
        reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0; // no answer, authority, additional
        return reply;
    }

    private static int QuestionEnd(byte[] query)
    {
        var i = 12;
        while (i < query.Length && query[i] != 0) i += query[i] + 1;
        return Math.Min(query.Length, i + 5);
    }

    private static string Describe(byte[] query)
    {
        var name = new StringBuilder();
        var i = 12;
        while (i < query.Length && query[i] != 0)
        {
            if (name.Length > 0) name.Append('.');
            name.Append(Encoding.ASCII.GetString(query, i + 1, Math.Min(query[i], query.Length - i - 1)));
            i += query[i] + 1;
        }
        var type = i + 2 < query.Length ? (query[i + 1] << 8) | query[i + 2] : 0;
        var typeName = type switch { 1 => "A", 28 => "AAAA", 15 => "MX", _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return $"{typeName} {name}";
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
