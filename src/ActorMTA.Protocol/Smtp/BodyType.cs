namespace ActorMTA.Protocol.Smtp;

/// <summary>The MAIL FROM BODY= parameter (RFC 6152). BINARYMIME (RFC 3030) is not offered.</summary>
public enum BodyType
{
    /// <summary>No BODY parameter was given; treated like 7BIT but the client said nothing.</summary>
    Unspecified,
    SevenBit,
    EightBitMime,
}
