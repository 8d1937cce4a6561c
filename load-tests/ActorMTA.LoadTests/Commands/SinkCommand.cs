using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Runs;
using ActorMTA.LoadTests.Verification;

namespace ActorMTA.LoadTests.Commands;

/// <summary>`actormta-load sink`: the SMTP sink alone, with a counts line every second.</summary>
internal static class SinkCommand
{
    public static async Task<int> RunAsync(ArgReader args)
    {
        if (args.HelpRequested)
        {
            Console.Out.Write(ArgReader.Help(SinkOptions.Usage, SinkOptions.Description, SinkOptions.Specs));
            return ExitCodes.Ok;
        }
        var options = SinkOptions.Parse(args);
        using var stop = new StopSignal();
        await using var sink = new Sink(new IPEndPoint(options.Host, options.Port));
        try
        {
            sink.Start();
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"actormta-load: cannot listen on {sink.Endpoint}: {e.Message}");
            return ExitCodes.Usage;
        }
        Console.Out.WriteLine($"sink listening on {sink.Endpoint}" + (options.Duration is { } d ? $" for {d.TotalSeconds:0.#} s" : " (Ctrl-C to stop)"));

        var start = Clock.Now;
        using var until = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        if (options.Duration is { } duration) until.CancelAfter(duration);
        long lastMessages = 0;
        var last = start;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(until.Token))
            {
                var now = Clock.Now;
                var messages = sink.Messages;
                var rate = (messages - lastMessages) / Math.Max(1e-6, Clock.Seconds(last, now));
                (lastMessages, last) = (messages, now);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Clock.Seconds(start, now),7:F1}s  messages {messages}  {rate,7:F0}/s  recipients {sink.Recipients}  " +
                    $"bytes {ValueParsers.FormatBytes(sink.Bytes)}  connections {sink.OpenConnections} open / {sink.Connections}"));
            }
        }
        catch (OperationCanceledException) { }
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sink: {sink.Messages} messages ({sink.MessagesWithoutId} without X-Load-Id), {sink.Recipients} recipients, " +
            $"{ValueParsers.FormatBytes(sink.Bytes)}, {sink.Connections} connections in {Clock.Seconds(start, Clock.Now):F1} s"));
        return ExitCodes.Ok;
    }
}
