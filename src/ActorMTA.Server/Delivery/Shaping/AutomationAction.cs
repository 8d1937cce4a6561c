using System.Globalization;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// What an automation rule does for its duration: suspend, or lower one limit. Lowering only: an action whose value
/// is above the configured limit leaves the limit alone, so that a rule written for a strict provider never opens
/// up a site configured stricter still.
/// </summary>
public abstract record AutomationAction
{
    private AutomationAction() { }

    public sealed record Suspend : AutomationAction
    {
        public override string ToString() => "suspend";
    }

    public sealed record MessageRate(ShapingRate Rate) : AutomationAction
    {
        public override string ToString() => $"message-rate = {Rate}";
    }

    public sealed record ConnectionRate(ShapingRate Rate) : AutomationAction
    {
        public override string ToString() => $"connection-rate = {Rate}";
    }

    public sealed record ConnectionLimit(int Limit) : AutomationAction
    {
        public override string ToString() => $"connection-limit = {Limit}";
    }

    public sealed record MessagesPerConnection(int Limit) : AutomationAction
    {
        public override string ToString() => $"messages-per-connection = {Limit}";
    }

    /// <summary>
    /// Parses "suspend" or "KEY = VALUE" for message-rate, connection-rate, connection-limit or
    /// messages-per-connection. <paramref name="key"/> names the setting in the error.
    /// </summary>
    public static AutomationAction Parse(string text, string key)
    {
        var trimmed = (text ?? "").Trim();
        if (trimmed.Equals("suspend", StringComparison.OrdinalIgnoreCase)) return new Suspend();
        var parts = trimmed.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2)
        {
            switch (parts[0].ToLowerInvariant())
            {
                case "message-rate":
                    return new MessageRate(NotUnlimited(ShapingRate.Parse(parts[1], key), trimmed, key));
                case "connection-rate":
                    return new ConnectionRate(NotUnlimited(ShapingRate.Parse(parts[1], key), trimmed, key));
                case "connection-limit":
                    return new ConnectionLimit(Positive(parts[1], trimmed, key));
                case "messages-per-connection":
                    return new MessagesPerConnection(Positive(parts[1], trimmed, key));
            }
        }
        throw new FormatException($"{key}: '{text}' is not an action (suspend | \"message-rate = N/unit\" | \"connection-rate = N/unit\" | \"connection-limit = N\" | \"messages-per-connection = N\")");
    }

    // An action that lifts a limit would contradict "never raised".
    private static ShapingRate NotUnlimited(ShapingRate rate, string text, string key) =>
        rate.IsUnlimited ? throw new FormatException($"{key}: '{text}': an action can only lower a limit") : rate;

    private static int Positive(string value, string text, string key) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new FormatException($"{key}: '{text}': the limit must be a whole number of at least 1");
}
