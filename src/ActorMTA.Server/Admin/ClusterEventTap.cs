using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace ActorMTA.Server.Admin;

/// <summary>
/// Feeds `ctl cluster tail`: subscribes to membership and reachability events (the current state first, as
/// events) and writes one line per event into a channel the admin connection drains. Stopped when it ends.
/// </summary>
internal sealed class ClusterEventTap : ReceiveActor
{
    private readonly ChannelWriter<(string Text, JsonObject Data)> _out;

    public ClusterEventTap(ChannelWriter<(string, JsonObject)> output)
    {
        _out = output;
        Receive<ClusterEvent.IMemberEvent>(m => Emit(m switch
        {
            ClusterEvent.MemberJoined => "joined",
            ClusterEvent.MemberWeaklyUp => "weakly-up",
            ClusterEvent.MemberUp => "up",
            ClusterEvent.MemberLeft => "left",
            ClusterEvent.MemberExited => "exited",
            ClusterEvent.MemberDowned => "downed",
            ClusterEvent.MemberRemoved => "removed",
            _ => m.GetType().Name,
        }, m.Member.Address, m.Member.Status.ToString()));
        Receive<ClusterEvent.UnreachableMember>(m => Emit("unreachable", m.Member.Address, m.Member.Status.ToString()));
        Receive<ClusterEvent.ReachableMember>(m => Emit("reachable", m.Member.Address, m.Member.Status.ToString()));
        Receive<ClusterEvent.LeaderChanged>(m => Emit("leader", m.Leader, "leader"));
    }

    public static Props Props(ChannelWriter<(string, JsonObject)> output) => Akka.Actor.Props.Create(() => new ClusterEventTap(output));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _out.TryComplete();
    }

    private void Emit(string what, Address? address, string status)
    {
        var time = DateTimeOffset.UtcNow;
        var text = $"{time:HH:mm:ss.fff} {what,-12} {address?.ToString() ?? "-"} ({status})";
        _out.TryWrite((text, new JsonObject
        {
            ["time"] = time.ToString("o"), ["event"] = what, ["address"] = address?.ToString(), ["status"] = status,
        }));
    }
}
