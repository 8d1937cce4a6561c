namespace ActorMTA.Protocol.Sasl;

/// <summary>How decoding a SASL PLAIN response went (POP3 answers bad base64 and a malformed message differently).</summary>
public enum SaslDecodeResult
{
    Ok,
    InvalidBase64,
    /// <summary>Not UTF-8, not three NUL-separated fields, or an empty authentication identity or password.</summary>
    Malformed,
}
