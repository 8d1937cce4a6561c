using System.Globalization;
using ActorMTA.Server.Observability.Events;

namespace ActorMTA.Host;

/// <summary>
/// <c>actormta events tail|query</c>: reads the node's event log files directly (no running server needed).
/// People get one line per event; <c>--json</c> prints the stored JSON lines for scripts.
/// </summary>
public static class EventsCommand
{
    public static async Task<int> RunAsync(CommandLine cl, EventLogSettings settings, CancellationToken stop)
    {
        var json = cl.Flag("--json");
        var filter = new DeliveryEventFilter(
            DeliveryEventFilter.ParseTypes(cl.Option("--type")),
            cl.Option("--recipient"),
            cl.Option("--queue-id"),
            cl.Option("--since") is { } since ? ParseTime(since, "--since") : null,
            cl.Option("--until") is { } until ? ParseTime(until, "--until") : null);
        switch (cl.Word(1, "events command (tail or query)"))
        {
            case "tail":
                var lines = cl.Option("--lines") is { } n ? int.TryParse(n, out var count) && count >= 0 ? count : throw new UsageException($"--lines wants a number, not '{n}'") : 10;
                foreach (var e in EventLogReader.Last(settings.Directory, filter, lines)) Print(e, json);
                if (cl.Flag("--follow")) await FollowAsync(settings.Directory, filter, json, stop);
                return 0;
            case "query":
                if (filter.Since is null && filter.Until is null) throw new UsageException("events query needs --since and/or --until");
                foreach (var e in EventLogReader.Read(settings.Directory, filter)) Print(e, json);
                return 0;
            default:
                throw new UsageException($"unknown events command '{cl.Words[1]}' (tail or query)");
        }
    }

    /// <summary>Prints events written from now on until stopped: a consumer of the log, like a webhook, without a saved cursor.</summary>
    private static async Task FollowAsync(string directory, DeliveryEventFilter filter, bool json, CancellationToken stop)
    {
        var cursor = EventCursor.Start;
        EventLogTail.Batch batch;
        do cursor = (batch = EventLogTail.Read(directory, cursor, int.MaxValue, DeliveryEventFilter.None)).Next; // to the end, printing nothing
        while (!batch.AtEnd);
        while (!stop.IsCancellationRequested)
        {
            batch = EventLogTail.Read(directory, cursor, 1000, filter);
            cursor = batch.Next;
            foreach (var (e, _) in batch.Events) Print(e, json);
            if (!batch.AtEnd) continue;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void Print(DeliveryEvent e, bool json)
    {
        if (json)
        {
            Console.WriteLine(e.ToJsonLine());
            return;
        }
        var reply = e.ReplyCode is { } code ? $" {code}{(e.EnhancedCode is { } enhanced ? " " + enhanced : "")} {e.ReplyText}" : "";
        var where = e.MxHost is { } mx ? $" via {mx}{(e.MxIp is { } ip ? $" [{ip}]" : "")}" : "";
        var category = e.BounceCategory is { } c ? $" ({c})" : "";
        Console.WriteLine($"{e.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {e.Type,-16} {e.QueueId ?? "-"} <{e.Sender}> -> <{e.Recipient}>{where}{reply}{category}");
    }

    /// <summary>An ISO 8601 time, or a span back from now ("15m", "2h", "1d").</summary>
    internal static DateTimeOffset ParseTime(string text, string option)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            var span = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => (TimeSpan?)null,
            };
            if (span is { } ago) return DateTimeOffset.UtcNow - ago;
        }
        throw new UsageException($"{option} wants a time (2026-12-06T10:00:00Z) or an age (30s, 15m, 2h, 1d), not '{text}'");
    }
}
