using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Greylisting;

/// <summary>A message for the Greylist entity of <see cref="Network"/> (a client network in CIDR form, "192.0.2.0/24").</summary>
public interface IGreylistCommand : IClusterMessage
{
    string Network { get; }
}
