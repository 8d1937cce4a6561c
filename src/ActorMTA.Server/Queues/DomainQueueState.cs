using ActorMTA.Server.Delivery.Bounces;

namespace ActorMTA.Server.Queues;

/// <summary>
/// The messages of one domain queue, built from its events, with two indexes of pending messages, by next-attempt
/// time (what is due) and by queued-at time (what expires first), so that neither taking due mail nor finding
/// expired mail scans 100,000 entries. Owned by the DomainQueue actor.
/// A message handed to a connection (or to expiry) is <em>leased</em>: it leaves the due index until the lease
/// ends, so taking due work only ever looks at the head of the index, never past mail already in flight.
/// Leases are not persisted: after a restart nothing is in flight.
/// </summary>
public sealed class DomainQueueState
{
    private readonly Dictionary<string, QueuedDelivery> _entries = new();
    private readonly SortedSet<(long Ticks, string QueueId)> _due = new();
    private readonly SortedSet<(long Ticks, string QueueId)> _byQueuedAt = new();
    private readonly HashSet<string> _leased = new(StringComparer.Ordinal);
    private readonly HashSet<string> _withFailures = new();

    public int Pending => _entries.Count;

    public bool Suspended { get; private set; }

    /// <summary>Messages with recipients to deliver that nobody holds a lease on: the size of the due index.</summary>
    public int Waiting => _due.Count;

    /// <summary>Messages currently leased (handed to a connection or to expiry).</summary>
    public int Leased => _leased.Count;

    public QueuedDelivery? Find(string queueId) => _entries.GetValueOrDefault(queueId);

    public IReadOnlyList<QueuedDelivery> Entries() =>
        _entries.Values.OrderBy(e => e.QueuedAt).ThenBy(e => e.QueueId, StringComparer.Ordinal).ToArray();

    /// <summary>Messages with recipients still to deliver and not leased, earliest next attempt first.</summary>
    public IEnumerable<QueuedDelivery> ByNextAttempt() => _due.Select(d => _entries[d.QueueId]);

    /// <summary>Every message with recipients still to deliver, leased or not, in no particular order.</summary>
    public IEnumerable<QueuedDelivery> WithRecipients() => _entries.Values.Where(e => e.Recipients.Count > 0);

    /// <summary>The unleased message whose next attempt comes first, if any.</summary>
    public QueuedDelivery? NextDue() => _due.Count == 0 ? null : _entries[_due.Min.QueueId];

    /// <summary>
    /// Unleased messages due at <paramref name="now"/>, earliest first, read from the head of the due index: it
    /// visits only the entries the caller consumes. Lease what was taken after enumerating, not during.
    /// </summary>
    public IEnumerable<QueuedDelivery> DueAt(DateTimeOffset now)
    {
        var limit = now.UtcTicks;
        return _due.TakeWhile(d => d.Ticks <= limit).Select(d => _entries[d.QueueId]);
    }

    /// <summary>
    /// Unleased messages with recipients to deliver queued at or before <paramref name="cutoff"/>, oldest first, read
    /// from the head of the queued-at index. Lease what was taken after enumerating, not during.
    /// </summary>
    public IEnumerable<QueuedDelivery> QueuedUpTo(DateTimeOffset cutoff)
    {
        var limit = cutoff.UtcTicks;
        return _byQueuedAt.TakeWhile(q => q.Ticks <= limit).Select(q => _entries[q.QueueId]);
    }

    /// <summary>The unleased message with recipients to deliver that was queued first (it expires first), if any.</summary>
    public QueuedDelivery? OldestWaiting() => _byQueuedAt.Count == 0 ? null : _entries[_byQueuedAt.Min.QueueId];

    /// <summary>Messages holding failed recipients whose bounce is not stored yet.</summary>
    public IEnumerable<QueuedDelivery> AwaitingBounce() => _withFailures.Select(id => _entries[id]);

    /// <summary>Takes a pending message out of the due index until <see cref="EndLease"/>. False when it is not there to lease.</summary>
    public bool Lease(string queueId)
    {
        if (!_entries.TryGetValue(queueId, out var entry) || entry.Recipients.Count == 0 || !_leased.Add(queueId)) return false;
        Unindex(entry);
        return true;
    }

    /// <summary>The message is no longer in flight: back into the due index if it still has recipients to deliver.</summary>
    public void EndLease(string queueId)
    {
        if (!_leased.Remove(queueId)) return;
        if (_entries.TryGetValue(queueId, out var entry)) Index(entry);
    }

    public void Apply(IDomainQueueEvent @event)
    {
        switch (@event)
        {
            case DeliveryQueued queued:
                Put(new QueuedDelivery(queued.QueueId, queued.ContentRef, queued.ReversePath, queued.Recipients,
                    queued.Size, queued.QueuedAt, Attempts: 0, NextAttemptAt: queued.QueuedAt, LastResult: null)
                    { Traits = queued.Traits, Dsn = queued.Dsn, RecipientDsn = queued.RecipientDsn, Pool = queued.Pool, Tags = queued.Tags });
                break;
            case DeliveryRemoved removed:
                Remove(removed.QueueId);
                break;
            case DeliveryAttempted attempted when _entries.TryGetValue(attempted.QueueId, out var entry):
                var settled = attempted.Delivered.Concat(attempted.Failed.Select(f => f.Recipient)).ToHashSet(StringComparer.Ordinal);
                // A bounce to the null sender is never sent (RFC 5321 section 4.5.5): failed mail from <> is reported to
                // the postmaster instead (a double bounce), unless it is a double bounce itself: those are only logged.
                var failures = !DoubleBounce.IsDoubleBounce(entry.QueueId)
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
                // Leased messages too, so that the state is the same as after a replay (which has no leases).
                var later = _due.Where(d => d.Ticks > flushed.At.UtcTicks).Select(d => d.QueueId)
                    .Concat(_leased.Where(id => _entries[id].NextAttemptAt > flushed.At))
                    .ToList();
                foreach (var id in later) Put(_entries[id] with { NextAttemptAt = flushed.At });
                break;
            case DeliveryAttempted or BounceSent or DelayWarningSent:
                break; // about a message removed meanwhile
            default:
                throw new ArgumentException($"unknown domain queue event {@event.GetType().Name}", nameof(@event));
        }
    }

    private void Put(QueuedDelivery entry)
    {
        if (_entries.Remove(entry.QueueId, out var old)) Unindex(old);
        _withFailures.Remove(entry.QueueId);
        _entries[entry.QueueId] = entry;
        if (!_leased.Contains(entry.QueueId)) Index(entry);
        if (entry.Failures.Count > 0) _withFailures.Add(entry.QueueId);
    }

    private void Remove(string queueId)
    {
        if (!_entries.Remove(queueId, out var old)) return;
        Unindex(old);
        _withFailures.Remove(queueId);
        _leased.Remove(queueId);
    }

    // The due and queued-at indexes hold exactly the unleased entries with recipients still to deliver.
    private void Index(QueuedDelivery entry)
    {
        if (entry.Recipients.Count == 0) return;
        _due.Add((entry.NextAttemptAt.UtcTicks, entry.QueueId));
        _byQueuedAt.Add((entry.QueuedAt.UtcTicks, entry.QueueId));
    }

    private void Unindex(QueuedDelivery entry)
    {
        _due.Remove((entry.NextAttemptAt.UtcTicks, entry.QueueId));
        _byQueuedAt.Remove((entry.QueuedAt.UtcTicks, entry.QueueId));
    }

    public DomainQueueSnapshot ToSnapshot() => new(Entries()) { Suspended = Suspended };

    public static DomainQueueState FromSnapshot(DomainQueueSnapshot snapshot)
    {
        var state = new DomainQueueState { Suspended = snapshot.Suspended };
        foreach (var entry in snapshot.Entries) state.Put(entry);
        return state;
    }
}
