using Akka.Actor;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// An entity's delivery events that the event log has not yet confirmed durable, oldest first. The entity adds the events
/// of each journal event as it applies it (live or in recovery), <see cref="Publish"/>es them once they are persisted,
/// and drops them when the log confirms; they go into its snapshots, so a snapshot never covers events nobody wrote.
/// </summary>
public sealed class EventOutbox
{
    private readonly List<OutboxEntry> _entries = new();
    private long _sentUpTo;

    public EventOutbox(string producer) => Producer = producer;

    public string Producer { get; }

    public bool IsEmpty => _entries.Count == 0;

    public IReadOnlyList<OutboxEntry> Entries => _entries;

    public void Add(long sequence, IReadOnlyList<DeliveryEvent> events)
    {
        if (events.Count == 0) return;
        var lines = new string[events.Count];
        for (var i = 0; i < lines.Length; i++) lines[i] = events[i].ToJsonLine();
        _entries.Add(new OutboxEntry(sequence, lines));
    }

    /// <summary>Entries restored from a snapshot (all unsent as far as this incarnation knows).</summary>
    public void Restore(IReadOnlyList<OutboxEntry> entries)
    {
        _entries.Clear();
        _entries.AddRange(entries);
        _sentUpTo = 0;
    }

    /// <summary>Sends the entries up to <paramref name="persistedUpTo"/> not sent before (all of them when
    /// <paramref name="again"/>: the log drops what it holds).</summary>
    public void Publish(IActorRef log, long persistedUpTo, bool again, IActorRef self)
    {
        var from = again ? 0 : _sentUpTo;
        List<OutboxEntry>? send = null;
        foreach (var entry in _entries)
            if (entry.Sequence > from && entry.Sequence <= persistedUpTo) (send ??= new()).Add(entry);
        if (send is null) return;
        _sentUpTo = Math.Max(_sentUpTo, send[^1].Sequence);
        log.Tell(new AppendEvents(Producer, send), self);
    }

    /// <summary>On <see cref="EventsWritten"/>: drops what is durable. The resend timer is left to stop at its next tick
    /// (<see cref="Resend"/>): a busy entity empties its outbox and fills it again many times a second, and cancelling
    /// and starting the timer each time was a measurable part of what the events cost.</summary>
    public void Confirmed(long upTo) => _entries.RemoveAll(e => e.Sequence <= upTo);

    private const string ResendTimer = "events-resend";

    // Until the log confirms, the events go again this often (the log drops what it already holds).
    private static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(5);

    /// <summary>The owning entity's periodic reminder to call <see cref="Resend"/>.</summary>
    public sealed record ResendTick : INoSerializationVerificationNeeded
    {
        public static readonly ResendTick Instance = new();
    }

    /// <summary><see cref="Publish(IActorRef, long, bool, IActorRef)"/>, keeping the entity's <see cref="ResendTick"/>
    /// timer running while anything is unconfirmed.</summary>
    public void Publish(IActorRef log, long persistedUpTo, bool again, IActorRef self, ITimerScheduler timers)
    {
        if (IsEmpty) return;
        Publish(log, persistedUpTo, again, self);
        if (!timers.IsTimerActive(ResendTimer)) timers.StartPeriodicTimer(ResendTimer, ResendTick.Instance, ResendInterval);
    }

    /// <summary>On <see cref="ResendTick"/>: everything persisted goes again, or the timer stops when nothing is left.</summary>
    public void Resend(IActorRef log, long persistedUpTo, IActorRef self, ITimerScheduler timers)
    {
        if (IsEmpty) timers.Cancel(ResendTimer);
        else Publish(log, persistedUpTo, again: true, self);
    }
}
