namespace ActorMTA.Server.Queues;

/// <summary>The messages of one domain queue, built from its events. Owned by the DomainQueue actor.</summary>
public sealed class DomainQueueState
{
    private readonly Dictionary<string, QueuedDelivery> _entries = new();

    public int Pending => _entries.Count;

    public QueuedDelivery? Find(string messageId) => _entries.GetValueOrDefault(messageId);

    public IReadOnlyList<QueuedDelivery> Entries() =>
        _entries.Values.OrderBy(e => e.QueuedAt).ThenBy(e => e.MessageId, StringComparer.Ordinal).ToArray();

    public void Apply(IDomainQueueEvent @event)
    {
        switch (@event)
        {
            case DeliveryQueued queued:
                _entries[queued.MessageId] = new QueuedDelivery(queued.MessageId, queued.ContentRef, queued.ReversePath, queued.Recipients,
                    queued.Size, queued.QueuedAt, Attempts: 0, NextAttemptAt: queued.QueuedAt, LastResult: null);
                break;
            case DeliveryRemoved removed:
                _entries.Remove(removed.MessageId);
                break;
            default:
                throw new ArgumentException($"unknown domain queue event {@event.GetType().Name}", nameof(@event));
        }
    }

    public DomainQueueSnapshot ToSnapshot() => new(Entries());

    public static DomainQueueState FromSnapshot(DomainQueueSnapshot snapshot)
    {
        var state = new DomainQueueState();
        foreach (var entry in snapshot.Entries) state._entries[entry.MessageId] = entry;
        return state;
    }
}
