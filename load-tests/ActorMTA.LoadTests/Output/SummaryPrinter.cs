using System.Globalization;
using System.Text;
using Spectre.Console;

namespace ActorMTA.LoadTests.Output;

/// <summary>Prints a <see cref="Summary"/>: Spectre tables on a terminal, plain aligned text otherwise.</summary>
internal static class SummaryPrinter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Print(Summary summary, bool interactive)
    {
        if (interactive) PrintTables(summary);
        else Console.Out.Write(PlainText(summary));
    }

    public static string PlainText(Summary s)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(Headline(s));
        if (s.Command != "verify")
        {
            var noun = s.Command == "smtp" ? "messages" : "iterations";
            text.AppendLine(string.Create(Inv, $"{noun,-11} sent {s.MessagesSent}  acknowledged {s.MessagesAcknowledged}  {s.MessagesPerSecond:F1}/s")
                + (s.MessagesFetched > 0 ? string.Create(Inv, $"  fetched {s.MessagesFetched}") : ""));
            text.AppendLine(string.Create(Inv, $"{"sessions",-11} opened {s.ConnectionsOpened}  {s.SessionsPerSecond:F1}/s  peak open {s.PeakSessionsOpen}")
                + (s.SessionsAbandoned > 0 ? string.Create(Inv, $"  abandoned {s.SessionsAbandoned}") : "")
                + (s.OpenPhaseSeconds is { } open ? string.Create(Inv, $"  all open after {open:F2} s") : ""));
            text.AppendLine($"{"bytes",-11} sent {ValueParsers.FormatBytes(s.BytesSent)}  received {ValueParsers.FormatBytes(s.BytesReceived)}");
        }
        if (s.LatencyMs.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"{"latency ms",-14}{"count",10}{"p50",10}{"p90",10}{"p99",10}{"max",10}");
            foreach (var (command, l) in Ordered(s.LatencyMs))
                text.AppendLine(string.Create(Inv, $"{command,-14}{l.Count,10}{l.P50,10:F2}{l.P90,10:F2}{l.P99,10:F2}{l.Max,10:F2}"));
        }
        text.AppendLine();
        if (s.Errors.Count == 0) text.AppendLine("errors: none");
        else
        {
            text.AppendLine(string.Create(Inv, $"errors: {s.ErrorCount}"));
            foreach (var (code, count) in s.Errors) text.AppendLine(string.Create(Inv, $"  {code,-28}{count,10}"));
        }
        if (s.Verification is { } v)
        {
            text.AppendLine();
            text.AppendLine(VerificationLine(v));
            if (v.Lost > 0) text.AppendLine($"LOST: {v.Lost} acknowledged deliveries never arrived, e.g. {string.Join(", ", v.LostIds.Take(10))}");
        }
        return text.ToString();
    }

    public static string VerificationLine(VerificationSummary v) =>
        FormattableString.Invariant($"verification ({v.Method}): acknowledged {v.Acknowledged}  expected {v.Expected}  arrived {v.Arrived}  lost {v.Lost}  ")
        + FormattableString.Invariant($"duplicated {v.Duplicated}  unexpected {v.Unexpected}  waited {v.WaitedSeconds:F1} s")
        + (v.Deleted > 0 ? FormattableString.Invariant($"  deleted {v.Deleted}") : "");

    private static void PrintTables(Summary s)
    {
        var console = AnsiConsole.Console;
        console.WriteLine();
        var overview = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        overview.AddRow("[bold]run[/]", Markup.Escape(Headline(s)));
        if (s.Command != "verify")
        {
            var noun = s.Command == "smtp" ? "messages" : "iterations";
            overview.AddRow($"[bold]{noun}[/]", Markup.Escape(string.Create(Inv,
                $"sent {s.MessagesSent}  acknowledged {s.MessagesAcknowledged}  {s.MessagesPerSecond:F1}/s") +
                (s.MessagesFetched > 0 ? string.Create(Inv, $"  fetched {s.MessagesFetched}") : "")));
            overview.AddRow("[bold]sessions[/]", Markup.Escape(string.Create(Inv,
                $"opened {s.ConnectionsOpened}  {s.SessionsPerSecond:F1}/s  peak open {s.PeakSessionsOpen}") +
                (s.SessionsAbandoned > 0 ? string.Create(Inv, $"  abandoned {s.SessionsAbandoned}") : "") +
                (s.OpenPhaseSeconds is { } open ? string.Create(Inv, $"  all open after {open:F2} s") : "")));
            overview.AddRow("[bold]bytes[/]", Markup.Escape($"sent {ValueParsers.FormatBytes(s.BytesSent)}  received {ValueParsers.FormatBytes(s.BytesReceived)}"));
        }
        console.Write(overview);

        if (s.LatencyMs.Count > 0)
        {
            var latency = new Table().Border(TableBorder.Rounded).Title("latency (ms)")
                .AddColumn("command").AddColumn(new TableColumn("count").RightAligned())
                .AddColumn(new TableColumn("p50").RightAligned()).AddColumn(new TableColumn("p90").RightAligned())
                .AddColumn(new TableColumn("p99").RightAligned()).AddColumn(new TableColumn("max").RightAligned());
            foreach (var (command, l) in Ordered(s.LatencyMs))
                latency.AddRow(command, l.Count.ToString(Inv), l.P50.ToString("F2", Inv), l.P90.ToString("F2", Inv), l.P99.ToString("F2", Inv), l.Max.ToString("F2", Inv));
            console.Write(latency);
        }

        if (s.Errors.Count == 0) console.MarkupLine("[green]errors: none[/]");
        else
        {
            var errors = new Table().Border(TableBorder.Rounded).Title("errors").AddColumn("error").AddColumn(new TableColumn("count").RightAligned());
            foreach (var (code, count) in s.Errors) errors.AddRow(Markup.Escape(code), count.ToString(Inv));
            console.Write(errors);
        }

        if (s.Verification is { } v)
        {
            var color = v.Lost > 0 ? "red" : "green";
            console.MarkupLine($"[{color}]{Markup.Escape(VerificationLine(v))}[/]");
            if (v.Lost > 0)
                console.MarkupLine($"[bold red]LOST[/][red]: {v.Lost} acknowledged deliveries never arrived, e.g. {Markup.Escape(string.Join(", ", v.LostIds.Take(10)))}[/]");
        }
    }

    /// <summary>`smtp 127.0.0.1:2525  run abc  sessions 50  duration 4.90 s` (the run id only where mail carries it).</summary>
    private static string Headline(Summary s) =>
        (s.Command is "smtp" or "verify" ? string.Create(Inv, $"{s.Command} {s.Target}  run {s.RunId}") : $"{s.Command} {s.Target}")
        + (s.Command == "verify" ? "" : string.Create(Inv, $"  sessions {s.Sessions}"))
        + string.Create(Inv, $"  duration {s.DurationSeconds:F2} s");

    private static IEnumerable<KeyValuePair<string, LatencyStats>> Ordered(IReadOnlyDictionary<string, LatencyStats> latency) =>
        latency.OrderBy(kv => Array.IndexOf(Summary.CommandOrder, kv.Key) is var i && i >= 0 ? i : int.MaxValue)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal);
}
