namespace ActorMTA.Server.Delivery;

/// <summary>The session a delivery result came over: the address connected to and the TLS in use (null: none), for delivery events.</summary>
public sealed record OutboundConnectionInfo(string? Address, string? TlsProtocol, string? TlsCipher);
