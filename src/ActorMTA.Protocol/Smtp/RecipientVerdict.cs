namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// The session actor's answer to <see cref="SmtpEffect.CheckRecipient"/>: accept, or the reply to send
/// instead.
/// </summary>
public sealed record RecipientVerdict
{
    private RecipientVerdict(SmtpReply? rejection) => Rejection = rejection;

    public static RecipientVerdict Accept { get; } = new((SmtpReply?)null);

    /// <summary>No such local mailbox.</summary>
    public static RecipientVerdict UnknownUser { get; } =
        new(new SmtpReply(550, "5.1.1", "Recipient address rejected: User unknown"));

    /// <summary>Not a local domain and the client may not relay.</summary>
    public static RecipientVerdict RelayDenied { get; } =
        new(new SmtpReply(550, "5.7.1", "Relay access denied"));

    /// <summary>The address is on a suppression list (a hard bounce, a complaint, or the operator's), so mail to it is not relayed.</summary>
    public static RecipientVerdict Suppressed(string address) =>
        new(new SmtpReply(550, "5.7.1", $"<{address}>: Recipient address rejected: address is suppressed"));

    /// <summary>A lookup failed for a temporary reason; the client should retry later.</summary>
    public static RecipientVerdict TemporaryFailure { get; } =
        new(new SmtpReply(451, "4.3.0", "Recipient address cannot be verified now, try again later"));

    /// <summary>The reply sent for the RCPT command instead of 250 (must be a 4xx or 5xx reply).</summary>
    public SmtpReply? Rejection { get; }

    public bool IsAccepted => Rejection is null;

    public static RecipientVerdict Reject(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsPositive) throw new ArgumentException("A rejection must be a 4xx or 5xx reply.", nameof(reply));
        return new RecipientVerdict(reply);
    }
}
