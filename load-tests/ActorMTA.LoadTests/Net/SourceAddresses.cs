using System.Net;

namespace ActorMTA.LoadTests.Net;

/// <summary>
/// Client source addresses for `--source-ips N`: 127.0.0.2 … 127.0.0.(N+1), handed out round robin so
/// that 10,000+ connections neither run out of ephemeral ports nor hit a per-client-IP limit.
/// N = 1 means no bind (the kernel picks 127.0.0.1 for a loopback target).
/// </summary>
internal sealed class SourceAddresses(int count)
{
    private readonly IPAddress[] _addresses = count <= 1
        ? []
        : Enumerable.Range(2, count).Select(i => new IPAddress(new byte[] { 127, 0, 0, (byte)i })).ToArray();

    /// <summary>The source address for a session's connection, or null for no bind.</summary>
    public IPAddress? For(int session) => _addresses.Length == 0 ? null : _addresses[session % _addresses.Length];
}
