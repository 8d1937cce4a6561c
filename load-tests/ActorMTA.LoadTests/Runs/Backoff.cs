namespace ActorMTA.LoadTests.Runs;

/// <summary>
/// Failed sessions pause before reconnecting: 250 ms doubling up to 2 s. After --give-up-after
/// failures in a row (default 10, about 15 s) a session gives up and is counted as abandoned, so a
/// run against a dead server ends instead of retrying forever.
/// </summary>
internal static class Backoff
{
    public static TimeSpan After(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(2000, 250 * (1 << Math.Clamp(failures - 1, 0, 4))));

    /// <summary>Waits the pause; false when the run is stopping.</summary>
    public static async Task<bool> PauseAsync(int failures, CancellationToken stop)
    {
        try
        {
            await Task.Delay(After(failures), stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
