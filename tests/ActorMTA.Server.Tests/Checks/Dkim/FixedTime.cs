namespace ActorMTA.Server.Tests.Checks.Dkim;

/// <summary>A clock that says what the test wants, for x= expiry.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
