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

    public void Reply(IActorRef to, object message) => After(() => to.Tell(message));

    internal void RunEffects()
    {
        foreach (var effect in _effects) effect();
        _effects.Clear();
    }
}
