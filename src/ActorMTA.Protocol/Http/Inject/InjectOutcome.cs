namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// What generation made for one recipient: the complete message (CRLF line ends, ready for the content
/// store) or the reason this recipient alone failed, for <c>failed_recipients</c> and <c>errors</c>.
/// </summary>
public sealed record InjectOutcome
{
    private InjectOutcome(InjectRecipient recipient, ReadOnlyMemory<byte> message, string? failure)
    {
        Recipient = recipient;
        Message = message;
        Failure = failure;
    }

    public InjectRecipient Recipient { get; }

    /// <summary>The RFC 5322 message; empty when <see cref="Failure"/> is set.</summary>
    public ReadOnlyMemory<byte> Message { get; }

    public string? Failure { get; }

    public bool Succeeded => Failure is null;

    public static InjectOutcome Built(InjectRecipient recipient, ReadOnlyMemory<byte> message) => new(recipient, message, null);

    public static InjectOutcome Failed(InjectRecipient recipient, string reason) => new(recipient, ReadOnlyMemory<byte>.Empty, reason);
}
