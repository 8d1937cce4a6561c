using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace ActorMTA.Server.Net;

/// <summary>The bare Kestrel applications the node's HTTP listeners (injection API, metrics) run on.</summary>
internal static class KestrelApp
{
    /// <summary>An application with Kestrel only, no logging providers and no Server header.</summary>
    public static WebApplication Build(Action<KestrelServerOptions> configure)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            configure(kestrel);
        });
        return builder.Build();
    }

    /// <summary>
    /// Starts <paramref name="app"/> listening on <paramref name="bind"/>:<paramref name="port"/>; returns the port it
    /// is bound to (the real one when 0 was asked). An address in use becomes the other listeners' "cannot listen on"
    /// error, which tests and operators look for; the application is disposed then.
    /// </summary>
    public static async Task<int> StartAsync(WebApplication app, IPAddress bind, int port, string what)
    {
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"cannot listen on {bind}:{port} for {what}: {e.InnerException?.Message ?? e.Message}", e);
        }
        return app.Services.GetService(typeof(IServer)) is IServer server
               && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } first
               && Uri.TryCreate(first, UriKind.Absolute, out var uri)
            ? uri.Port
            : port;
    }
}
