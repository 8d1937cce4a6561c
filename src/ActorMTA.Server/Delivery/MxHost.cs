using System.Net;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// One mail exchanger to try, with its addresses in the order to try them (IPv4 first).
/// </summary>
public sealed record MxHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);
