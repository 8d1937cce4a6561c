namespace ActorMTA.Server.Greylisting;

/// <summary>
/// One (sender, recipient) pair seen from a client network: the network is the entity's id. Sender and recipient are
/// normalised by <see cref="GreylistPolicy.Normalize"/> before they get here.
/// </summary>
/// <param name="FirstSeen">The first attempt of the current greylisting round (not reset by early retries).</param>
/// <param name="LastPassed">The last delivery let through; null while still pending.</param>
public sealed record GreylistTriplet(string Sender, string Recipient, DateTimeOffset FirstSeen, DateTimeOffset? LastPassed)
{
    public bool HasPassed => LastPassed is not null;
}
