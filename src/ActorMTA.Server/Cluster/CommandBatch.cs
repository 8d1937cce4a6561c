using Akka.Actor;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// The commands an entity decides together and writes with one PersistAll. Events are applied to the
/// entity's state as they are emitted (so later commands in the batch see them); everything the
/// outside world may observe — replies, releasing content — waits until the batch is persisted.
/// </summary>
public sealed class CommandBatch
{
    private readonly Action<object> _apply;
    private readonly List<object> _events = new();
    private readonly List<Action> _effects = new();
    // Replies to senders whose commands came in bundles, per courier on another node: one message each after the write.
    private Dictionary<IActorRef, List<BundledReply>>? _bundledReplies;
    private IActorRef? _sender, _courier;

    internal CommandBatch(Action<object> apply) => _apply = apply;

    public IReadOnlyList<object> Events => _events;

    /// <summary>Records an event and applies it to the state at once.</summary>
    public void Emit(object @event)
    {
        _events.Add(@event);
        _apply(@event);
    }

    /// <summary>
    /// Runs <paramref name="effect"/> once every event emitted so far is persisted. While the batch
    /// holds no events nothing is in flight (batches are written one at a time), so it runs at once:
    /// a query on an idle entity is answered without waiting for anybody else's write.
    /// </summary>
    public void After(Action effect)
    {
        if (_events.Count == 0) effect();
        else _effects.Add(effect);
    }

    /// <summary>
    /// Answers <paramref name="to"/> once the batch is persisted. The sender of the command being decided, when its
    /// command came in a bundle from a courier on another node, is answered through that courier, together with the
    /// other replies for its node.
    /// </summary>
    public void Reply(IActorRef to, object message)
    {
        if (_events.Count == 0 || _courier is null || !to.Equals(_sender))
        {
            After(() => to.Tell(message));
            return;
        }
        _bundledReplies ??= new Dictionary<IActorRef, List<BundledReply>>();
        if (!_bundledReplies.TryGetValue(_courier, out var replies)) _bundledReplies[_courier] = replies = new List<BundledReply>();
        replies.Add(new BundledReply(to, message));
    }

    /// <summary>Who sent the command decided next, and the courier on another node it came through (null: none).</summary>
    internal void Deciding(IActorRef sender, IActorRef? courier)
    {
        _sender = sender;
        _courier = courier;
    }

    internal void RunEffects()
    {
        foreach (var effect in _effects) effect();
        _effects.Clear();
        if (_bundledReplies is null) return;
        foreach (var (courier, replies) in _bundledReplies)
        {
            if (replies.Count == 1) replies[0].To.Tell(replies[0].Message);
            else courier.Tell(new EntityReplyBundle(replies.ToArray()));
        }
        _bundledReplies = null;
    }
}
