namespace ActorMTA.Server.Observability.Events;

/// <summary>Which events a reader wants: by type, recipient, queue id and time; an unset field matches everything.</summary>
public sealed record DeliveryEventFilter(
    IReadOnlySet<string>? Types = null, string? Recipient = null, string? QueueId = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    public static readonly DeliveryEventFilter All = new();

    /// <summary>Matches no event (for reading past events without keeping them).</summary>
    public static readonly DeliveryEventFilter None = new(Types: new HashSet<string>());

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
