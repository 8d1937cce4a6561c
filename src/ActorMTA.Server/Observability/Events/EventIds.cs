namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Ids of events derived from a journal: "producer/sequence/index" (the entity's persistence id, the journal event's
/// sequence number, the event's place among that journal event's events). Persistence ids hold no '/'.
/// </summary>
public static class EventIds
{
    public static string Of(string producer, long sequence, int index) => $"{producer}/{sequence}/{index}";

    /// <summary>The producer and sequence number of a derived event's id; false for other ids (rejections).</summary>
    public static bool TryParse(ReadOnlySpan<char> id, out string producer, out long sequence)
    {
        producer = "";
        sequence = 0;
        var last = id.LastIndexOf('/');
        if (last <= 0) return false;
        var middle = id[..last].LastIndexOf('/');
        if (middle <= 0 || !long.TryParse(id[(middle + 1)..last], out sequence) || !int.TryParse(id[(last + 1)..], out _)) return false;
        producer = id[..middle].ToString();
        return true;
    }

    /// <summary>The id of an event-log line without parsing all of it: it is the first field written.</summary>
    public static ReadOnlySpan<char> OfLine(string line)
    {
        const string prefix = "{\"id\":\"";
        if (!line.StartsWith(prefix, StringComparison.Ordinal)) return default;
        var end = line.IndexOf('"', prefix.Length);
        return end < 0 ? default : line.AsSpan(prefix.Length, end - prefix.Length);
    }
}
