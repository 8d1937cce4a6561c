namespace ActorMTA.Server.Observability.Events;

/// <summary>Reads an event log directory: every event in written order, or the last ones matching a filter.</summary>
public static class EventLogReader
{
    /// <summary>Every matching event, oldest segment first. Lines that are not events (a line torn by a crash) are skipped.</summary>
    public static IEnumerable<DeliveryEvent> Read(string directory, DeliveryEventFilter filter)
    {
        foreach (var segment in EventSegments.List(directory))
        {
            foreach (var line in EventSegments.ReadLines(segment))
                if (DeliveryEvent.FromJsonLine(line) is { } e && filter.Matches(e)) yield return e;
        }
    }

    /// <summary>The last <paramref name="count"/> matching events, oldest first, reading segments from the newest back.</summary>
    public static IReadOnlyList<DeliveryEvent> Last(string directory, DeliveryEventFilter filter, int count)
    {
        var found = new List<DeliveryEvent>();
        var segments = EventSegments.List(directory);
        for (var i = segments.Count - 1; i >= 0 && found.Count < count; i--)
        {
            var matching = EventSegments.ReadLines(segments[i]).Select(DeliveryEvent.FromJsonLine).Where(e => e is not null && filter.Matches(e)).ToList();
            found.InsertRange(0, matching.Skip(Math.Max(0, matching.Count - (count - found.Count)))!);
        }
        return found;
    }
}
