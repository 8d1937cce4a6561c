using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// A node-local stand-in for a shard region on the path of accepted mail: sessions tell it the commands they would tell
/// the region, and it gathers the commands that arrive for one entity while it is busy into one
/// <see cref="EntityCommandBundle"/> (a command alone goes to the region as it came). Sessions finish their content
/// commit together (a group commit releases all of them at once) and then all tell the same mailbox or domain queue,
/// so on a cluster where that entity lives on another node one remote message carries many commands, and one
/// <see cref="EntityReplyBundle"/> carries their replies back; the courier hands those to the sessions. Commands keep
/// their order per sender: everything a session tells the courier leaves it in the order it came.
/// </summary>
public sealed class EntityCourier : ReceiveActor
{
    private readonly IActorRef _region;
    private readonly IMessageExtractor _extractor;
    private readonly int _maxCommands;
    // Each entity's commands since the last flush (the order between entities does not matter, within one it is kept).
    private readonly Dictionary<string, List<BundledCommand>> _pending = new(StringComparer.Ordinal);
    private bool _flushQueued;

    public EntityCourier(IActorRef region, IMessageExtractor extractor, int maxCommands)
    {
        if (maxCommands < 1) throw new ArgumentOutOfRangeException(nameof(maxCommands), "max-commands must be at least 1");
        _region = region;
        _extractor = extractor;
        _maxCommands = maxCommands;
        Receive<Flush>(_ => FlushAll());
        Receive<EntityReplyBundle>(bundle =>
        {
            foreach (var reply in bundle.Replies) reply.To.Tell(reply.Message, Sender);
        });
        ReceiveAny(Gather);
    }

    public static Props Props(IActorRef region, IMessageExtractor extractor, int maxCommands) =>
        Akka.Actor.Props.Create(() => new EntityCourier(region, extractor, maxCommands));

    private void Gather(object command)
    {
        if (_extractor.EntityId(command) is not { } id)
        {
            _region.Forward(command);
            return;
        }
        if (!_pending.TryGetValue(id, out var commands)) _pending[id] = commands = new List<BundledCommand>();
        commands.Add(new BundledCommand(Sender, command));
        if (commands.Count >= _maxCommands) Send(id, commands);
        // Behind whatever is already in the mailbox: everything that came meanwhile goes in the same bundles.
        if (!_flushQueued)
        {
            _flushQueued = true;
            Self.Tell(Flush.Instance);
        }
    }

    private void FlushAll()
    {
        _flushQueued = false;
        foreach (var (id, commands) in _pending) Send(id, commands);
        _pending.Clear();
    }

    private void Send(string id, List<BundledCommand> commands)
    {
        if (commands.Count == 1) _region.Tell(commands[0].Command, commands[0].Sender);
        else if (commands.Count > 1) _region.Tell(new EntityCommandBundle(id, commands.ToArray()));
        commands.Clear();
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
