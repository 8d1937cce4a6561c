using System.Net;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// A way out: the local address outbound connections bind to and the name they give in EHLO. Providers count
/// connections and judge reputation per IP, which is why throttles are per (source, site).
/// </summary>
/// <param name="Bind">Null: let the operating system choose (the node's default source).</param>
public sealed record EgressSource(string Name, IPAddress? Bind, string Ehlo)
{
    /// <summary>The name of the source every node has without configuration.</summary>
    public const string DefaultName = "default";
}
