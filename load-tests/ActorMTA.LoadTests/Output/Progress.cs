using System.Globalization;
using ActorMTA.LoadTests.Metrics;
using Spectre.Console;

namespace ActorMTA.LoadTests.Output;

/// <summary>
/// The live progress line: elapsed, messages done (/total), current rate, sessions open, errors.
/// On a terminal it is a Spectre live display redrawn 4 times a second (notices such as "all
/// sessions open" stay above it); when stdout is not a terminal it is a plain line every second,
/// so logs stay readable.
/// </summary>
internal sealed class Progress(string unit, long? total, RunCounters counters, ErrorCounter errors, bool interactive)
{
    private readonly List<string> _notices = [];
    private readonly object _gate = new();
    private readonly Queue<(long At, long Done)> _window = new();
    private long _start = Clock.Now;

    /// <summary>True when stdout is a terminal (live display); false when it is a file or a pipe (plain lines).</summary>
    public static bool IsTerminal => !Console.IsOutputRedirected;

    /// <summary>A line that stays: printed at once (plain) or kept above the live line (terminal).</summary>
    public void Notice(string text)
    {
        lock (_gate)
        {
            if (interactive) _notices.Add(text);
            else Console.Out.WriteLine($"{Elapsed(Clock.Now),7:F1}s  {text}");
        }
    }

    /// <summary>Draws until <paramref name="stop"/> is cancelled, then once more with the final numbers.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        _start = Clock.Now;
        lock (_gate) _window.Enqueue((_start, counters.MessagesAcknowledged));
        if (!interactive)
        {
            try
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await timer.WaitForNextTickAsync(stop)) PrintPlain();
            }
            catch (OperationCanceledException) { }
            PrintPlain();
            return;
        }

        await AnsiConsole.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async ctx =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    ctx.UpdateTarget(Render());
                    await Task.Delay(250, stop);
                }
            }
            catch (OperationCanceledException) { }
            ctx.UpdateTarget(Render());
        });
    }

    /// <summary>The status line's text, e.g. `12.0s  messages 4520/10000  1234/s  sessions 200  errors 0`.</summary>
    public string StatusLine()
    {
        var now = Clock.Now;
        var done = counters.MessagesAcknowledged;
        var rate = Rate(now, done);
        var inv = CultureInfo.InvariantCulture;
        var count = total is { } t ? $"{done.ToString(inv)}/{t.ToString(inv)}" : done.ToString(inv);
        return string.Create(inv,
            $"{Elapsed(now),7:F1}s  {unit} {count}  {rate,7:F0}/s  sessions {counters.SessionsOpen}  errors {errors.Total}");
    }

    private void PrintPlain()
    {
        lock (_gate) Console.Out.WriteLine(StatusLine());
    }

    private Rows Render()
    {
        var status = StatusLine();
        lock (_gate)
        {
            var lines = _notices.Select(n => (Spectre.Console.Rendering.IRenderable)new Markup(Markup.Escape(n))).ToList();
            lines.Add(new Markup(errors.Total > 0 ? $"[yellow]{Markup.Escape(status)}[/]" : Markup.Escape(status)));
            return new Rows(lines);
        }
    }

    /// <summary>Messages per second over the last second or so.</summary>
    private double Rate(long now, long done)
    {
        lock (_gate)
        {
            _window.Enqueue((now, done));
            while (_window.Count > 2 && Clock.Seconds(_window.Peek().At, now) > 1.05) _window.Dequeue();
            var (at, then) = _window.Peek();
            var seconds = Clock.Seconds(at, now);
            return seconds > 0.05 ? (done - then) / seconds : 0;
        }
    }

    private double Elapsed(long now) => Clock.Seconds(_start, now);
}
