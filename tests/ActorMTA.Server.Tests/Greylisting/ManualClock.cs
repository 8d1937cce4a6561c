namespace ActorMTA.Server.Tests.Greylisting;

/// <summary>A clock the test moves (Microsoft.Extensions.TimeProvider.Testing is not referenced); safe to read from actor threads.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
