using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Cluster;

/// <summary>A single node is a one-node cluster: it joins itself. More nodes join the seed nodes from configuration.</summary>
public static class ClusterBootstrap
{
    /// <summary>
    /// Joins the seed nodes of akka.cluster.seed-nodes (Akka starts that by itself) or, when none are configured,
    /// the node itself; completes when this node is Up.
    /// </summary>
    public static Task JoinAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (cluster.Settings.SeedNodes.Count == 0) return JoinSelfAsync(system, cancellationToken);
        system.Log.Info("Joining the cluster through seed nodes {0}", string.Join(", ", cluster.Settings.SeedNodes));
        return WhenUpAsync(system, cancellationToken);
    }

    /// <summary>
    /// Completes when this node is no longer a member: it left (graceful stop), or the others (or the split brain
    /// resolver) downed and removed it.
    /// </summary>
    public static Task WhenRemovedAsync(ActorSystem system)
    {
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberRemoved(() => removed.TrySetResult());
        return removed.Task;
    }

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
