namespace ActorMTA.Server.Delivery;

/// <summary>actormta.delivery.starttls: whether outbound sessions upgrade with STARTTLS (RFC 3207).</summary>
public enum StartTlsMode
{
    /// <summary>Upgrade when the server offers STARTTLS; deliver in plaintext otherwise.</summary>
    Opportunistic,

    /// <summary>Never deliver in plaintext: a server without STARTTLS is a temporary failure (4.7.10).</summary>
    Required,

    /// <summary>Never upgrade.</summary>
    Off,
}
