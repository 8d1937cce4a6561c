using System.Globalization;
using System.Text.Json.Nodes;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Observability.Webhooks;
using Akka.Actor;

namespace ActorMTA.Server.Admin;

public sealed partial class AdminCommands
{
    /// <summary>ctl webhooks: each endpoint of this node with what it delivered, how far behind it is and its last error.</summary>
    private async Task<AdminResult> Webhooks()
    {
        var shippers = DeliveryEvents.Get(system).Webhooks;
        var statuses = await Task.WhenAll(shippers.Select(s => s.Ask<WebhookStatus>(GetWebhookStatus.Instance, AskTimeout)));
        var rows = statuses.Select(s => (IReadOnlyList<string>)
        [
            s.Name, s.Url, s.Delivered.ToString(CultureInfo.InvariantCulture), FormatLag(s.Lag), s.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture),
            s.LastSuccess?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-", s.LastError ?? "-",
        ]).ToList();
        var data = new JsonArray(statuses.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name,
            ["url"] = s.Url,
            ["delivered"] = s.Delivered,
            ["lag_seconds"] = Math.Round(s.Lag.TotalSeconds, 3),
            ["failures"] = s.ConsecutiveFailures,
            ["last_success"] = s.LastSuccess?.ToString("O", CultureInfo.InvariantCulture),
            ["last_error"] = s.LastError,
            ["segment"] = s.Segment,
            ["line"] = s.Line,
        }).ToArray());
        var text = statuses.Length == 0 ? "no webhooks (actormta.webhooks)\n" : TextTable.Render(["NAME", "URL", "DELIVERED", "LAG", "FAILURES", "LAST SUCCESS", "LAST ERROR"], rows);
        return new AdminResult(text, data);
    }

    private static string FormatLag(TimeSpan lag) =>
        lag <= TimeSpan.Zero ? "0s" : lag.TotalHours >= 1 ? $"{lag.TotalHours:F1}h" : lag.TotalMinutes >= 1 ? $"{lag.TotalMinutes:F1}m" : $"{lag.TotalSeconds:F1}s";
}
