using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// The node's event log: appends delivery events to segment files (<see cref="EventSegmentWriter"/>), one write with one
/// fsync at a time, every event that arrives meanwhile going into the next (group commit, off the actor thread). It tells
/// each producing entity how far its events are durable, and drops events it already holds, so an entity can send its
/// unconfirmed events again after a restart, or whenever it is unsure, without duplicating them.
/// </summary>
public sealed class EventLog : ReceiveActor
{
    private sealed record BatchWritten(IReadOnlyDictionary<string, long> Covered, bool IndexSaved) : INoSerializationVerificationNeeded;
    private sealed record BatchFailed(Exception Cause) : INoSerializationVerificationNeeded;
    private sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }

    // How often the published index is written: losing the last interval of it costs duplicates only after a crash.
    private static readonly TimeSpan IndexInterval = TimeSpan.FromSeconds(2);

    private readonly EventSegmentWriter _writer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Per producer: highest sequence accepted (written or waiting) and highest durable.
    private readonly Dictionary<string, long> _accepted;
    private readonly Dictionary<string, long> _durable;
    private readonly Dictionary<string, long> _batchCovers = new(StringComparer.Ordinal);
    private readonly List<(IActorRef Who, string Producer, long UpTo)> _waiting = new();
    private List<string> _lines = new();
    private List<string> _inFlightLines = new();
    private Dictionary<string, long> _inFlightCovers = new(StringComparer.Ordinal);
    private bool _writing;
    private bool _indexDirty;
    private DateTime _failedUntil;
    private DateTime _indexSavedAt = DateTime.UtcNow;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long>? _mirror;
    private readonly TimeSpan _commitDelay;
    private bool _delayRunning;

    /// <param name="published">The published index as <see cref="EventSegmentWriter.LoadIndex"/> read it.</param>
    /// <param name="mirror">Kept equal to the durable figures, for entities to read (<see cref="DeliveryEvents.Durable"/>).</param>
    public EventLog(EventSegmentWriter writer, Dictionary<string, long> published,
        System.Collections.Concurrent.ConcurrentDictionary<string, long>? mirror = null, TimeSpan commitDelay = default)
    {
        _writer = writer;
        _commitDelay = commitDelay;
        _durable = published;
        _mirror = mirror;
        if (mirror is not null)
            foreach (var (producer, sequence) in published) mirror[producer] = sequence;
        _accepted = new Dictionary<string, long>(_durable, StringComparer.Ordinal);
        Receive<AppendEvents>(Append);
        Receive<BatchWritten>(Written);
        Receive<BatchFailed>(Failed);
        Receive<Tick>(_ => WriteNext());
        Receive<DelayOver>(_ =>
        {
            _delayRunning = false;
            WriteNext();
        });
    }

    private sealed record DelayOver : INoSerializationVerificationNeeded { public static readonly DelayOver Instance = new(); }

    /// <summary>New events: written now, or with actormta.events.commit-delay once it has passed since the first of them.</summary>
    private void Arrived()
    {
        if (_commitDelay <= TimeSpan.Zero)
        {
            WriteNext();
            return;
        }
        if (_delayRunning) return;
        _delayRunning = true;
        Context.System.Scheduler.ScheduleTellOnce(_commitDelay, Self, DelayOver.Instance, Self);
    }

    /// <summary>
    /// A producer whose events come in one append and are never sent again once confirmed: a report's
    /// (<see cref="ReportEvents.ProducerOf"/>, one per received bounce or complaint). It is forgotten once confirmed and
    /// never written to the published index, which would otherwise grow by one line per report for ever.
    /// </summary>
    public static bool IsOneShot(string producer) => producer.StartsWith(ReportEvents.ProducerPrefix, StringComparison.Ordinal);

    /// <summary>Opens the log's directory (I/O, so before the actor exists) and the props of the actor that writes it.</summary>
    public static Props Open(EventLogSettings settings, System.Collections.Concurrent.ConcurrentDictionary<string, long>? mirror = null)
    {
        var writer = new EventSegmentWriter(settings, () => DateTimeOffset.UtcNow);
        var published = EventSegmentWriter.LoadIndex(settings.Directory);
        EventSegmentWriter.CatchUp(settings.Directory, published);
        writer.CompressLeftovers();
        var delay = settings.CommitDelay;
        return Akka.Actor.Props.Create(() => new EventLog(writer, published, mirror, delay));
    }

    private void Append(AppendEvents append)
    {
        if (append.Producer is not { } producer)
        {
            foreach (var entry in append.Entries) _lines.AddRange(entry.Lines);
            Arrived();
            return;
        }
        var accepted = _accepted.GetValueOrDefault(producer);
        var upTo = 0L;
        foreach (var entry in append.Entries)
        {
            upTo = Math.Max(upTo, entry.Sequence);
            if (entry.Sequence <= accepted) continue;
            _lines.AddRange(entry.Lines);
            accepted = entry.Sequence;
        }
        if (accepted > _accepted.GetValueOrDefault(producer))
        {
            _accepted[producer] = accepted;
            _batchCovers[producer] = accepted;
        }
        if (upTo == 0) return;
        if (_durable.GetValueOrDefault(producer) >= upTo) Sender.Tell(new EventsWritten(producer, upTo));
        else _waiting.Add((Sender, producer, upTo));
        Arrived();
    }

    private void WriteNext()
    {
        if (_writing || _delayRunning || DateTime.UtcNow < _failedUntil) return;
        var indexDue = DateTime.UtcNow - _indexSavedAt >= IndexInterval;
        if (_lines.Count == 0 && _batchCovers.Count == 0 && !(_indexDirty && indexDue)) return;
        _writing = true;
        _inFlightLines = _lines;
        _lines = new List<string>();
        _inFlightCovers = new Dictionary<string, long>(_batchCovers, StringComparer.Ordinal);
        _batchCovers.Clear();
        // The index is written after the lines whose sequence numbers it records, never before them.
        var index = (_indexDirty || _inFlightCovers.Count > 0) && indexDue ? MergedIndex(_inFlightCovers) : null;
        var (writer, lines, covered) = (_writer, _inFlightLines, _inFlightCovers);
        Task.Run(() =>
        {
            writer.Write(lines, index);
            return new BatchWritten(covered, index is not null);
        }).PipeTo(Self, failure: e => new BatchFailed(e));
    }

    private void Failed(BatchFailed failed)
    {
        _log.Error(failed.Cause, "event log: writing {0} events failed; trying again in 1s", _inFlightLines.Count);
        // Back in front, so the retry writes them in their order (a torn line at the segment's end is skipped by readers).
        _inFlightLines.AddRange(_lines);
        _lines = _inFlightLines;
        foreach (var (producer, sequence) in _inFlightCovers) _batchCovers[producer] = Math.Max(_batchCovers.GetValueOrDefault(producer), sequence);
        _inFlightLines = new List<string>();
        _writing = false;
        _failedUntil = DateTime.UtcNow.AddSeconds(1);
        Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(1), Self, Tick.Instance, Self);
    }

    private IReadOnlyDictionary<string, long> MergedIndex(IReadOnlyDictionary<string, long> covered)
    {
        var index = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (producer, sequence) in _durable)
            if (!IsOneShot(producer)) index[producer] = sequence;
        foreach (var (producer, sequence) in covered)
            if (!IsOneShot(producer)) index[producer] = Math.Max(index.GetValueOrDefault(producer), sequence);
        return index;
    }

    private void Written(BatchWritten written)
    {
        _writing = false;
        foreach (var (producer, sequence) in written.Covered)
        {
            var durable = Math.Max(_durable.GetValueOrDefault(producer), sequence);
            _durable[producer] = durable;
            if (_mirror is not null) _mirror[producer] = durable;
        }
        if (written.IndexSaved)
        {
            _indexSavedAt = DateTime.UtcNow;
            _indexDirty = false;
        }
        else if (written.Covered.Count > 0) _indexDirty = true;
        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            var (who, producer, upTo) = _waiting[i];
            if (_durable.GetValueOrDefault(producer) < upTo) continue;
            who.Tell(new EventsWritten(producer, upTo));
            _waiting.RemoveAt(i);
        }
        foreach (var producer in written.Covered.Keys)
            if (IsOneShot(producer) && _accepted.GetValueOrDefault(producer) <= _durable.GetValueOrDefault(producer) && !_waiting.Exists(w => w.Producer == producer))
            {
                _durable.Remove(producer);
                _accepted.Remove(producer);
                _mirror?.TryRemove(producer, out _);
            }
        WriteNext();
        if (!_writing && _indexDirty) Context.System.Scheduler.ScheduleTellOnce(IndexInterval, Self, Tick.Instance, Self);
    }

    protected override void PostStop()
    {
        _writer.Dispose();
        base.PostStop();
    }
}
