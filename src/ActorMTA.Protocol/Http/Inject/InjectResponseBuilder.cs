namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// Tallies a request's recipients as the server learns their fate (generated and committed, or failed) and
/// makes the <see cref="InjectResponse"/> once the last one is known. Not thread-safe: one per request.
/// </summary>
public sealed class InjectResponseBuilder
{
    private readonly List<string> _failedRecipients = [];
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private int _successCount;

    public void Succeeded() => _successCount++;

    public void Failed(string email, string reason)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(reason);
        _failedRecipients.Add(email);
        _errors[email] = reason;
    }

    /// <summary>Counts a generation outcome that needs no commit to be final: a failure. A built message
    /// counts only when the server calls <see cref="Succeeded"/> after committing it.</summary>
    public void CountIfFailed(InjectOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (!outcome.Succeeded) Failed(outcome.Recipient.Email, outcome.Failure!);
    }

    public InjectResponse ToResponse() =>
        new(_successCount, _failedRecipients.Count, _failedRecipients.ToArray(), new Dictionary<string, string>(_errors, StringComparer.Ordinal));
}
