using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>A message for the <see cref="SendThrottle"/> entity of <see cref="ThrottleKey"/>.</summary>
public interface ISendThrottleCommand : IClusterMessage
{
    /// <summary>"source|provider:NAME" for a provider's sites (one entity holds them all, so the provider-wide
    /// connection limit is one counter), else "source|site:SITE".</summary>
    string ThrottleKey { get; }
}
