using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Greylisting;

/// <summary>Journal events of the Greylist entity. Never change a persisted shape: add a new event or manifest version.</summary>
public interface IGreylistEvent : IPersistedRecord;

/// <summary>A first attempt of the triplet (new, or its earlier round expired): greylisting starts at <paramref name="At"/>.</summary>
public sealed record GreylistTripletSeen(string Sender, string Recipient, DateTimeOffset At) : IGreylistEvent;

/// <summary>
/// A delivery of the triplet was let through. <paramref name="PassCount"/> is the network's count of passed deliveries
/// after this one, as decided then, so that replay does not depend on the pass-ttl in force at recovery.
/// </summary>
public sealed record GreylistTripletPassed(string Sender, string Recipient, DateTimeOffset At, int PassCount) : IGreylistEvent;

/// <summary>An auto-whitelisted network sent mail again: its whitelisting lasts pass-ttl from <paramref name="At"/>.</summary>
public sealed record GreylistWhitelistRefreshed(DateTimeOffset At) : IGreylistEvent;
