namespace ActorMTA.Server.Tests.Checks.Signing;

/// <summary>A clock the test sets: key creation order and default selectors follow it.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
