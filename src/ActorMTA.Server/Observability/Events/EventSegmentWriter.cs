using System.Text;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Appends event lines to the open segment and makes them durable (fsync) before returning; rotates the segment by size
/// and age, compresses closed segments in the background and drops those past retention. Also keeps the published index
/// (published.idx): per producing entity, the highest journal sequence number whose events are in a segment, so events
/// derived again after a restart are not written twice. Not thread-safe: the event log calls it from one task at a time.
/// </summary>
public sealed class EventSegmentWriter : IDisposable
{
    public const string IndexFile = "published.idx";

    private readonly EventLogSettings _settings;
    private readonly Func<DateTimeOffset> _clock;
    private FileStream? _segment;
    private string? _segmentPath;
    private DateTimeOffset _segmentOpened;
    private int _segmentCounter;
    // One batch's bytes, reused: a busy node writes a batch every commit-delay, and the lines go straight into it.
    // Dropped after a batch over 1 MiB (a backlog after a failure) so that it is not held for good.
    private System.Buffers.ArrayBufferWriter<byte> _buffer = new(64 * 1024);

    public EventSegmentWriter(EventLogSettings settings, Func<DateTimeOffset> clock)
    {
        _settings = settings;
        _clock = clock;
        Directory.CreateDirectory(settings.Directory);
        foreach (var stale in Directory.EnumerateFiles(settings.Directory, "*.tmp")) File.Delete(stale);
    }

    /// <summary>Segments left open by an earlier run (a crash leaves no close): compressed now, in the background.</summary>
    public Task CompressLeftovers()
    {
        if (!_settings.Compress) return Task.CompletedTask;
        var open = EventSegments.List(_settings.Directory).Where(p => p.EndsWith(EventSegments.OpenSuffix, StringComparison.Ordinal) && p != _segmentPath).ToList();
        return open.Count == 0 ? Task.CompletedTask : Task.Run(() => { foreach (var path in open) EventSegments.Compress(path); });
    }

    public static Dictionary<string, long> LoadIndex(string directory)
    {
        var index = new Dictionary<string, long>(StringComparer.Ordinal);
        var path = Path.Combine(directory, IndexFile);
        if (!File.Exists(path)) return index;
        foreach (var line in File.ReadLines(path))
        {
            var tab = line.LastIndexOf('\t');
            if (tab > 0 && long.TryParse(line.AsSpan(tab + 1), out var sequence)) index[line[..tab]] = sequence;
        }
        return index;
    }

    /// <summary>
    /// Brings a loaded index up to date with the segments written after it was last saved (the index is saved every few
    /// seconds; a crash loses the last of it): without this, every event of those seconds would be written again.
    /// </summary>
    public static void CatchUp(string directory, Dictionary<string, long> index)
    {
        var saved = Path.Combine(directory, IndexFile);
        // A little before the save: the file system's time stamps are coarse.
        var since = File.Exists(saved) ? File.GetLastWriteTimeUtc(saved).AddSeconds(-5) : DateTime.MinValue;
        foreach (var segment in EventSegments.List(directory))
        {
            if (File.GetLastWriteTimeUtc(segment) < since) continue;
            foreach (var line in EventSegments.ReadLines(segment))
                if (EventIds.TryParse(EventIds.OfLine(line), out var producer, out var sequence) && sequence > index.GetValueOrDefault(producer))
                    index[producer] = sequence;
        }
    }

    /// <summary>Writes <paramref name="lines"/> to the open segment and fsyncs it; then, when given, the index.</summary>
    public void Write(IReadOnlyList<string> lines, IReadOnlyDictionary<string, long>? index)
    {
        if (lines.Count > 0)
        {
            var segment = SegmentFor(_clock());
            _buffer.ResetWrittenCount();
            foreach (var line in lines)
            {
                Encoding.UTF8.GetBytes(line, _buffer);
                _buffer.GetSpan(1)[0] = (byte)'\n';
                _buffer.Advance(1);
            }
            segment.Write(_buffer.WrittenSpan);
            if (_buffer.Capacity > 1024 * 1024) _buffer = new(64 * 1024);
            segment.Flush(flushToDisk: true);
        }
        if (index is not null) SaveIndex(index);
    }

    private FileStream SegmentFor(DateTimeOffset now)
    {
        if (_segment is not null && (_segment.Length >= _settings.SegmentSize || now - _segmentOpened >= _settings.SegmentAge)) Close();
        if (_segment is null)
        {
            _segmentOpened = now;
            // A counter after the time: two segments opened in one millisecond still sort in order.
            _segmentPath = Path.Combine(_settings.Directory, $"{now.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{_segmentCounter++:D4}{EventSegments.OpenSuffix}");
            _segment = new FileStream(_segmentPath, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            DropExpired(now);
        }
        return _segment;
    }

    private void Close()
    {
        var path = _segmentPath!;
        _segment!.Dispose();
        _segment = null;
        _segmentPath = null;
        if (_settings.Compress) _ = Task.Run(() => EventSegments.Compress(path));
    }

    private void DropExpired(DateTimeOffset now)
    {
        var cutoff = (now - _settings.Retention).UtcDateTime;
        foreach (var path in EventSegments.List(_settings.Directory))
        {
            if (path == _segmentPath) continue;
            if (File.GetLastWriteTimeUtc(path) < cutoff) File.Delete(path);
        }
    }

    private void SaveIndex(IReadOnlyDictionary<string, long> index)
    {
        var path = Path.Combine(_settings.Directory, IndexFile);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var text = new StringBuilder();
            foreach (var (producer, sequence) in index) text.Append(producer).Append('\t').Append(sequence).Append('\n');
            file.Write(Encoding.UTF8.GetBytes(text.ToString()));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Closes the open segment; a later write (by a restarted log actor) opens a new one.</summary>
    public void Dispose()
    {
        _segment?.Dispose();
        _segment = null;
        _segmentPath = null;
    }
}
