namespace ActorMTA.Server.Observability.Events;

/// <summary>The kinds of delivery events, as written in the "type" field (the names KumoMTA and PowerMTA users know).</summary>
public static class DeliveryEventType
{
    public const string Reception = "Reception";
    public const string Delivery = "Delivery";
    public const string TransientFailure = "TransientFailure";
    public const string Bounce = "Bounce";
    public const string Expiration = "Expiration";
    public const string AdminBounce = "AdminBounce";
    public const string Feedback = "Feedback";
    public const string Rejection = "Rejection";

    public static readonly IReadOnlyList<string> All = [Reception, Delivery, TransientFailure, Bounce, Expiration, AdminBounce, Feedback, Rejection];

    /// <summary>The canonical spelling of <paramref name="name"/> (any case); null when it names no event type.</summary>
    public static string? Parse(string name) => All.FirstOrDefault(t => t.Equals(name, StringComparison.OrdinalIgnoreCase));
}
