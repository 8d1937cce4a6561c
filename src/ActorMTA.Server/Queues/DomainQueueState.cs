using ActorMTA.Server.Delivery.Bounces;

namespace ActorMTA.Server.Queues;

/// <summary>
/// The messages of one domain queue, built from its events, with an index of pending messages by next-attempt
/// time so that finding due mail does not scan 100,000 entries. Owned by the DomainQueue actor.
/// </summary>
public sealed class DomainQueueState
{
    private readonly Dictionary<string, QueuedDelivery> _entries = new();
    private readonly SortedSet<(long Ticks, string QueueId)> _due = new();
    private readonly HashSet<string> _withFailures = new();

    public int Pending => _entries.Count;

    public bool Suspended { get; private set; }

    public QueuedDelivery? Find(string queueId) => _entries.GetValueOrDefault(queueId);

    public IReadOnlyList<QueuedDelivery> Entries() =>
        _entries.Values.OrderBy(e => e.QueuedAt).ThenBy(e => e.QueueId, StringComparer.Ordinal).ToArray();

    /// <summary>Messages with recipients still to deliver, earliest next attempt first.</summary>
    public IEnumerable<QueuedDelivery> ByNextAttempt() => _due.Select(d => _entries[d.QueueId]);

    /// <summary>Messages holding failed recipients whose bounce is not stored yet.</summary>
    public IEnumerable<QueuedDelivery> AwaitingBounce() => _withFailures.Select(id => _entries[id]);

    public void Apply(IDomainQueueEvent @event)
    {
        switch (@event)
        {
            case DeliveryQueued queued:
                Put(new QueuedDelivery(queued.QueueId, queued.ContentRef, queued.ReversePath, queued.Recipients,
                    queued.Size, queued.QueuedAt, Attempts: 0, NextAttemptAt: queued.QueuedAt, LastResult: null) { Traits = queued.Traits });
                break;
            case DeliveryRemoved removed:
                Remove(removed.QueueId);
                break;
            case DeliveryAttempted attempted when _entries.TryGetValue(attempted.QueueId, out var entry):
                var settled = attempted.Delivered.Concat(attempted.Failed.Select(f => f.Recipient)).ToHashSet(StringComparer.Ordinal);
                // A bounce to the null sender is never sent (RFC 5321 section 4.5.5): such failures are only logged.
                var failures = BounceBuilder.ShouldBounce(entry.ReversePath)
                    ? entry.Failures.Concat(attempted.Failed.Where(f => entry.Recipients.Contains(f.Recipient))).ToArray()
                    : entry.Failures;
                Put(entry with
                {
                    Recipients = entry.Recipients.Where(r => !settled.Contains(r)).ToArray(),
                    Failures = failures,
                    Attempts = entry.Attempts + (attempted.Counted ? 1 : 0),
                    NextAttemptAt = attempted.NextAttemptAt,
                    LastResult = attempted.LastResult ?? entry.LastResult,
                });
                break;
            case BounceSent bounced when _entries.TryGetValue(bounced.QueueId, out var entry):
                var reported = bounced.Recipients.ToHashSet(StringComparer.Ordinal);
                Put(entry with { Failures = entry.Failures.Where(f => !reported.Contains(f.Recipient)).ToArray(), BouncesSent = bounced.Number });
                break;
            case DelayWarningSent warned when _entries.TryGetValue(warned.QueueId, out var entry):
                Put(entry with { DelayWarningSent = true });
                break;
            case QueueSuspensionChanged suspension:
                Suspended = suspension.Suspended;
                break;
            case QueueFlushed flushed:
                foreach (var (_, id) in _due.Where(d => d.Ticks > flushed.At.UtcTicks).ToList())
                    Put(_entries[id] with { NextAttemptAt = flushed.At });
                break;
            case DeliveryAttempted or BounceSent or DelayWarningSent:
                break; // about a message removed meanwhile
            default:
                throw new ArgumentException($"unknown domain queue event {@event.GetType().Name}", nameof(@event));
        }
    }

    private void Put(QueuedDelivery entry)
    {
        Remove(entry.QueueId);
        _entries[entry.QueueId] = entry;
        if (entry.Recipients.Count > 0) _due.Add((entry.NextAttemptAt.UtcTicks, entry.QueueId));
        if (entry.Failures.Count > 0) _withFailures.Add(entry.QueueId);
    }

    private void Remove(string queueId)
    {
        if (!_entries.Remove(queueId, out var old)) return;
        _due.Remove((old.NextAttemptAt.UtcTicks, queueId));
        _withFailures.Remove(queueId);
    }

    public DomainQueueSnapshot ToSnapshot() => new(Entries()) { Suspended = Suspended };

    public static DomainQueueState FromSnapshot(DomainQueueSnapshot snapshot)
    {
        var state = new DomainQueueState { Suspended = snapshot.Suspended };
        foreach (var entry in snapshot.Entries) state.Put(entry);
        return state;
    }
}
