namespace ActorMTA.Protocol.Imap;

/// <summary>The THREAD algorithms of RFC 5256.</summary>
public enum ThreadAlgorithm
{
    OrderedSubject,
    References,
}
