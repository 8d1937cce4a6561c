namespace ActorMTA.Storage.Suppression;

/// <summary>
/// Settings of the suppression list; the caller fills them from HOCON (actormta.suppression): whether RCPT and
/// the HTTP API consult it, how long automatic entries last, and how often the server looks for changes made
/// by another process or node and purges expired entries.
/// </summary>
public sealed record SuppressionOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>Hard bounces and complaints are added by themselves (actormta.suppression.automatic).</summary>
    public bool Automatic { get; init; } = true;

    /// <summary>Lifetime of automatic entries (bounces, complaints); null: they never expire.</summary>
    public TimeSpan? AutomaticExpiry { get; init; }

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a writer waits for a lock held by the other process before failing (SQLite).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
