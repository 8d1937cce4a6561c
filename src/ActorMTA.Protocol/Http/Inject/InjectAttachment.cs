namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// One attachment of an assembled message, decoded from base64 once per request; every recipient's message
/// reads the same <see cref="Data"/>.
/// </summary>
public sealed record InjectAttachment(string ContentType, string FileName, ReadOnlyMemory<byte> Data);
