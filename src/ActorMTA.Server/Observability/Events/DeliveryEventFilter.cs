namespace ActorMTA.Server.Observability.Events;

/// <summary>Which events a reader wants: by type, recipient, queue id and time; an unset field matches everything.</summary>
public sealed record DeliveryEventFilter(
    IReadOnlySet<string>? Types = null, string? Recipient = null, string? QueueId = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    public static readonly DeliveryEventFilter All = new();

    /// <summary>Matches no event (for reading past events without keeping them).</summary>
    public static readonly DeliveryEventFilter None = new(Types: new HashSet<string>());

    /// <summary>
    /// False when a line of the log cannot hold a wanted event, seen without parsing it: the log's own lines spell the
    /// type as <c>"type":"Bounce"</c>. A reader after a few types (the suppression feeder, a webhook) skips the other
    /// lines, nearly all of them, for a substring search instead of a JSON parse each. A line of another shape is left
    /// to the parser.
    /// </summary>
    public bool MayMatch(string line)
    {
        if (Types is null) return true;
        const string key = "\"type\":\"";
        var start = line.IndexOf(key, StringComparison.Ordinal);
        if (start < 0) return true;
        start += key.Length;
        var end = line.IndexOf('"', start);
        return end < 0 || Types.Contains(line[start..end]);
    }

    public bool Matches(DeliveryEvent e) =>
        (Types is null || Types.Contains(e.Type))
        && (Recipient is null || string.Equals(e.Recipient, Recipient, StringComparison.OrdinalIgnoreCase))
        && (QueueId is null || string.Equals(e.QueueId, QueueId, StringComparison.Ordinal))
        && (Since is null || e.Time >= Since)
        && (Until is null || e.Time < Until);

    /// <summary>Event types from a comma-separated list in any case; an unknown name is an error naming it.</summary>
    public static IReadOnlySet<string>? ParseTypes(string? list)
    {
        if (string.IsNullOrWhiteSpace(list)) return null;
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            types.Add(DeliveryEventType.Parse(name) ?? throw new FormatException(
                $"unknown event type '{name}' (one of {string.Join(", ", DeliveryEventType.All)})"));
        return types;
    }
}
