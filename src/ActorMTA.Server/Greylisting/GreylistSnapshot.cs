using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Greylisting;

/// <param name="Triplets">Pending triplets oldest first, then passed ones by last pass, oldest first: the eviction order.</param>
public sealed record GreylistSnapshot(IReadOnlyList<GreylistTriplet> Triplets, int PassCount, DateTimeOffset? LastPass) : IPersistedRecord;
