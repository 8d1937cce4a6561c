using System.IO.Compression;
using System.Text;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Reads an event log forward from a cursor, as a consumer does: the next matching events in written order and the cursor
/// after them. Non-matching lines are passed over (and counted in the cursor); a line not yet complete in the open
/// segment is left for the next read.
/// </summary>
public static class EventLogTail
{
    // Lines looked at per read, matching or not: bounds the work of one read on a log of mostly other event types.
    private const int MaxScan = 20_000;

    public sealed record Batch(IReadOnlyList<(DeliveryEvent Event, string Line)> Events, EventCursor Next, bool AtEnd);

    public static Batch Read(string directory, EventCursor from, int max, DeliveryEventFilter filter)
    {
        var found = new List<(DeliveryEvent, string)>();
        var cursor = from;
        var scanned = 0;
        var segments = EventSegments.List(directory);
        for (var i = 0; i < segments.Count; i++)
        {
            var name = EventSegments.NameOf(segments[i]);
            var compare = string.CompareOrdinal(name, cursor.Segment);
            if (compare < 0) continue;
            if (compare > 0) cursor = new EventCursor(name, 0, 0);
            var last = i == segments.Count - 1;
            foreach (var (line, offset) in LinesAfter(segments[i], cursor))
            {
                cursor = cursor with { Line = cursor.Line + 1, Offset = offset };
                scanned++;
                if (filter.MayMatch(line) && DeliveryEvent.FromJsonLine(line) is { } e && filter.Matches(e)) found.Add((e, line));
                if (found.Count >= max || scanned >= MaxScan) return new Batch(found, cursor, AtEnd: false);
            }
            if (last) return new Batch(found, cursor, AtEnd: true);
        }
        return new Batch(found, cursor, AtEnd: true);
    }

    /// <summary>The complete lines after the cursor, each with the byte offset after its line end (0 in a compressed segment).</summary>
    private static IEnumerable<(string Line, long Offset)> LinesAfter(string path, EventCursor cursor)
    {
        if (path.EndsWith(EventSegments.CompressedSuffix, StringComparison.Ordinal))
        {
            var skip = cursor.Line;
            foreach (var line in EventSegments.ReadLines(path))
                if (skip-- <= 0) yield return (line, 0);
            yield break;
        }
        FileStream? file = null;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
        }
        if (file is null)
        {
            // Compressed since it was listed: go by line number in the compressed copy.
            foreach (var item in LinesAfter(path + ".gz", cursor)) yield return item;
            yield break;
        }
        using (file)
        {
            file.Seek(cursor.Offset, SeekOrigin.Begin);
            var offset = cursor.Offset;
            var buffer = new byte[64 * 1024];
            var pending = new MemoryStream();
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                var start = 0;
                for (var j = 0; j < read; j++)
                {
                    if (buffer[j] != (byte)'\n') continue;
                    pending.Write(buffer, start, j - start);
                    offset += pending.Length + 1;
                    var line = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length);
                    pending.SetLength(0);
                    start = j + 1;
                    yield return (line, offset);
                }
                pending.Write(buffer, start, read - start);
            }
        }
    }
}
