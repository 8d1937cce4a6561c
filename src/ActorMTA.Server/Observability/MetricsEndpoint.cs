using System.Net;
using Akka.Configuration;
using Akka.Event;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace ActorMTA.Server.Observability;

/// <summary>actormta.metrics: where the Prometheus scrape endpoint listens.</summary>
public sealed record MetricsSettings(bool Enabled, IPAddress Bind, int Port)
{
    public static MetricsSettings FromConfig(Config root)
    {
        var c = root.GetConfig("actormta.metrics") ?? ConfigurationFactory.Empty;
        var bindText = c.GetString("bind", "127.0.0.1");
        if (!IPAddress.TryParse(bindText, out var bind)) throw new ConfigurationException($"actormta.metrics.bind: '{bindText}' is not an IP address");
        var port = c.GetInt("port", 9464);
        if (port is < 0 or > 65535) throw new ConfigurationException($"actormta.metrics.port: {port} is not a port");
        return new MetricsSettings(c.GetBoolean("enabled", false), bind, port);
    }
}

/// <summary>
/// GET /metrics in Prometheus text format on its own address (actormta.metrics), so that a scraper needs no token
/// and reaches nothing else: prometheus-net's default registry, which carries the process and .NET runtime
/// figures and, through its meter adapter, <see cref="MtaMetrics"/>.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// What the default registry exports, set once before anything is recorded: <see cref="MtaMetrics"/> and the
    /// process and .NET figures (process_*, dotnet_*). The runtime's event counters and meters are left out: their
    /// names break Prometheus conventions ("_count" gauges), which `promtool check metrics` rejects, and the process
    /// figures already cover them.
    /// </summary>
    public static void ConfigureExport()
    {
        // Once per process (several nodes run in one test process); too late, the defaults just stay.
        if (Interlocked.Exchange(ref _exportConfigured, 1) == 1) return;
        try
        {
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressDebugMetrics = true, SuppressMeters = true });
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static int _exportConfigured;

    public static async Task<MetricsEndpoint> StartAsync(MetricsSettings settings, ILoggingAdapter log)
    {
        var app = Net.KestrelApp.Build(kestrel => kestrel.Listen(settings.Bind, settings.Port));
        app.Run(ServeAsync);
        var port = await Net.KestrelApp.StartAsync(app, settings.Bind, settings.Port, "metrics");
        log.Info("Listening: metrics on http://{0}:{1}/metrics", settings.Bind, port);
        return new MetricsEndpoint(app, new IPEndPoint(settings.Bind, port));
    }

    private static async Task ServeAsync(HttpContext context)
    {
        if (context.Request.Path != "/metrics" || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
