using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// A ready queue asks for up to <paramref name="Connections"/> new connections to <paramref name="Site"/> and up to
/// <paramref name="Messages"/> messages to send over its connections; answered with <see cref="SendPermits"/>.
/// <paramref name="Held"/> is how many connections to the site the sender holds now, counting every grant it has
/// received: it asks once at a time, so the count also repairs what a lost release or a re-homed entity got wrong.
/// </summary>
public sealed record AcquireSendPermits(string ThrottleKey, string Site, SendLimits Limits, int Held, int Connections, int Messages, long RequestId)
    : ISendThrottleCommand;

/// <summary>
/// What the throttle grants: new connections (each to be released with <see cref="ReleaseConnections"/>) and
/// messages (spent, never returned). When it grants less than asked, <paramref name="RetryAfter"/> is when a rate
/// allows more; a connection freed sooner is announced with <see cref="SendPermitsFreed"/>.
/// </summary>
public sealed record SendPermits(string ThrottleKey, string Site, long RequestId, int Connections, int Messages, TimeSpan RetryAfter) : IClusterMessage
{
    /// <summary>An automation action in force caps messages per connection at this (0: none does), for the
    /// connections the holder has open as well as new ones.</summary>
    public int MessagesPerConnection { get; init; }
}

/// <summary><paramref name="Count"/> connections to <paramref name="Site"/> the sender held are closed.</summary>
public sealed record ReleaseConnections(string ThrottleKey, string Site, int Count) : ISendThrottleCommand;

/// <summary>
/// Sent to the other holders of a site's connections when a sender was refused one: close connections kept open
/// with nothing to send, so that the limit goes to mail that waits.
/// </summary>
public sealed record ReleaseIdleConnections(string ThrottleKey) : IClusterMessage;

/// <summary>Sent to senders that were refused a connection, when one is free again: ask again.</summary>
public sealed record SendPermitsFreed(string ThrottleKey) : IClusterMessage;
