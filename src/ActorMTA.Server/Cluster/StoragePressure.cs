using ActorMTA.Storage.Space;
using Akka.Actor;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The node's <see cref="StorageSpace"/>, reachable from entities (which sharding creates without the node's
/// services). Unlimited until the node sets it at start-up.
/// </summary>
public sealed class StoragePressure : IExtension
{
    private StorageSpace _space = StorageSpace.Unlimited;

    public static StoragePressure Get(ActorSystem system) => system.WithExtension<StoragePressure, StoragePressureProvider>();

    public StorageSpace Space
    {
        get => Volatile.Read(ref _space);
        set => Volatile.Write(ref _space, value ?? StorageSpace.Unlimited);
    }
}

public sealed class StoragePressureProvider : ExtensionIdProvider<StoragePressure>
{
    public override StoragePressure CreateExtension(ExtendedActorSystem system) => new();
}
