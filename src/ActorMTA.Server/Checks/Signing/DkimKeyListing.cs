namespace ActorMTA.Server.Checks.Signing;

/// <summary>One key as <see cref="DkimKeyStore.List"/> shows it: the key and whether it is the one its domain signs with now.</summary>
public sealed record DkimKeyListing(DkimKey Key, bool IsActive);
