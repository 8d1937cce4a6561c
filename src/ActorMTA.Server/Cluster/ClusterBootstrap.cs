using Akka.Actor;

namespace ActorMTA.Server.Cluster;

/// <summary>A single node is a one-node cluster: it joins itself. More nodes join the seed nodes from configuration.</summary>
public static class ClusterBootstrap
{
    /// <summary>Joins the node to itself and completes when it is Up (the host awaits this before starting sharding users).</summary>
    public static Task JoinSelfAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = WhenUpAsync(system, cancellationToken);
        cluster.Join(cluster.SelfAddress);
        return up;
    }

    /// <summary>Completes when this node's member status is Up (at once if it already is).</summary>
    public static Task WhenUpAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        if (cancellationToken.CanBeCanceled) cancellationToken.Register(() => up.TrySetCanceled(cancellationToken));
        return up.Task;
    }
}
