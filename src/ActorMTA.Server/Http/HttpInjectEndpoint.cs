using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorMTA.Protocol.Http.Inject;
using ActorMTA.Protocol.Text;
using ActorMTA.Server.Inbound;
using ActorMTA.Server.Net;
using Akka.Event;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;

namespace ActorMTA.Server.Http;

/// <summary>
/// The HTTP listener of the injection API (Kestrel): <c>POST /api/inject/v1</c>. Checks the request in this
/// order (each refusal a JSON error): 404 other paths, 405 other methods, 403 no tokens configured, 401 missing or
/// wrong bearer token, 415 not JSON, 507 spool below its minimum free space, 429 too many requests injecting at
/// once, 413 body over max-request-size, 400 a body the model refuses. Nothing of a refused request is injected.
/// </summary>
public sealed class HttpInjectEndpoint : IAsyncDisposable
{
    public const string Path = "/api/inject/v1";

    private readonly WebApplication _app;
    private readonly HttpSettings _settings;
    private readonly InboundServices _services;
    private readonly HttpInjector _injector;
    private readonly ILoggingAdapter _log;
    private readonly byte[][] _tokenHashes;
    private readonly SemaphoreSlim _requests;
    private readonly InjectOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private long _nextRequest;

    private HttpInjectEndpoint(WebApplication app, HttpSettings settings, InboundServices services, ILoggingAdapter log)
    {
        _app = app;
        _settings = settings;
        _services = services;
        _log = log;
        _injector = new HttpInjector(services, settings, log);
        _tokenHashes = settings.Tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t))).ToArray();
        _requests = new SemaphoreSlim(settings.MaxConcurrentRequests);
        _options = new InjectOptions { MaxRecipients = settings.MaxRecipients, StrictVariables = settings.StrictVariables };
    }

    /// <summary>The bound endpoint (the real port when the settings said 0).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    public static async Task<HttpInjectEndpoint> StartAsync(HttpSettings settings, InboundServices services, X509Certificate2 certificate, ILoggingAdapter log)
    {
        var app = KestrelApp.Build(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestSize;
            kestrel.Listen(settings.Bind, settings.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (settings.Tls) listen.UseHttps(certificate);
            });
        });
        var endpoint = new HttpInjectEndpoint(app, settings, services, log);
        app.Run(endpoint.HandleAsync);
        endpoint.EndPoint = new IPEndPoint(settings.Bind, await KestrelApp.StartAsync(app, settings.Bind, settings.Port, "http"));
        if (settings.Tokens.Count == 0)
            log.Warning("http: actormta.http.tokens is empty: the injection API answers every request 403 until a token is set");
        log.Info("Listening: http inject API on {0}:{1} (tls={2}, tokens={3}, max-request-size={4}, max-recipients={5})",
            settings.Bind, endpoint.EndPoint.Port, settings.Tls ? "on" : "off", settings.Tokens.Count, settings.MaxRequestSize, settings.MaxRecipients);
        return endpoint;
    }

    /// <summary>Stops accepting; requests in progress get until <paramref name="grace"/> to finish, then generation
    /// of their remaining recipients stops (the messages in flight still finish and are reported).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        using var _ = timeout.Token.Register(() => _stopping.Cancel());
        try { await _app.StopAsync(timeout.Token); }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _stopping.Dispose();
        _requests.Dispose();
    }

    private static readonly InjectError NotFound = new(404, "not_found", "Only POST " + Path + " is served here.");
    private static readonly InjectError MethodNotAllowed = new(405, "method_not_allowed", "Use POST.");
    private static readonly InjectError NoTokens = new(403, "api_disabled", "No API tokens are configured on this server (actormta.http.tokens).");
    private static readonly InjectError Unauthorized = new(401, "unauthorized", "A valid 'Authorization: Bearer TOKEN' header is required.");
    private static readonly InjectError NotJson = new(415, "unsupported_media_type", "The body must be application/json.");
    private static readonly InjectError StorageFull = new(507, "insufficient_storage", "The server's spool is low on space; try again later.");
    private static readonly InjectError Busy = new(429, "too_many_requests", "The server is busy with other injections; try again later.");

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!string.Equals(request.Path.Value, Path, StringComparison.Ordinal))
        {
            await ReplyAsync(context, NotFound);
            return;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await ReplyAsync(context, MethodNotAllowed);
            return;
        }
        var client = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (_tokenHashes.Length == 0)
        {
            _log.Warning("http client={0} refused 403: no API tokens configured (actormta.http.tokens)", client);
            await ReplyAsync(context, NoTokens);
            return;
        }
        if (!Authorized(request.Headers.Authorization.ToString()))
        {
            _log.Info("http client={0} refused 401: missing or wrong bearer token", client);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ReplyAsync(context, Unauthorized);
            return;
        }
        if (!IsJson(request.ContentType))
        {
            await ReplyAsync(context, NotJson);
            return;
        }
        if (_services.Space.IsLow)
        {
            _log.Warning("http client={0} refused 507: spool below its minimum free space", client);
            context.Response.Headers.RetryAfter = "60";
            await ReplyAsync(context, StorageFull);
            return;
        }
        if (!_requests.Wait(0))
        {
            _log.Warning("http client={0} refused 429: {1} requests injecting already", client, _settings.MaxConcurrentRequests);
            context.Response.Headers.RetryAfter = "5";
            await ReplyAsync(context, Busy);
            return;
        }
        try
        {
            await InjectAsync(context, client);
        }
        finally
        {
            _requests.Release();
        }
    }

    private async Task InjectAsync(HttpContext context, IPAddress client)
    {
        var requestId = "H" + Interlocked.Increment(ref _nextRequest).ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[] body;
        try
        {
            body = await ReadBodyAsync(context.Request, _settings.MaxRequestSize, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            _log.Info("http request={0} client={1} refused 413: body over {2} bytes", requestId, client, _settings.MaxRequestSize);
            await ReplyAsync(context, new InjectError(413, "request_too_large", $"The body is larger than {_settings.MaxRequestSize} bytes."));
            return;
        }
        if (!InjectRequest.TryParse(body, _options, out var parsed, out var error))
        {
            _log.Info("http request={0} client={1} refused {2}: {3} {4}", requestId, client, error.Status, error.Code, LogSafe.Text(error.Message));
            await ReplyAsync(context, error);
            return;
        }
        using (parsed)
        {
            if (!InjectMessageBuilder.TryCreate(parsed, _options, _services.Settings.HostName, TimeProvider.System, out var builder, out error))
            {
                _log.Info("http request={0} client={1} refused {2}: {3} {4}", requestId, client, error.Status, error.Code, LogSafe.Text(error.Message));
                await ReplyAsync(context, error);
                return;
            }
            var started = DateTimeOffset.UtcNow;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            var response = await _injector.InjectAsync(parsed, builder, requestId, client, context.Request.IsHttps, stop.Token);
            // The text as an argument, not the format: an address may hold braces.
            _log.Info("{0}", $"http request={requestId} client={client} from=<{LogSafe.Text(parsed.EnvelopeSender)}> recipients={parsed.RecipientCount} " +
                $"success={response.SuccessCount} failed={response.FailCount} bytes={body.Length} in {(DateTimeOffset.UtcNow - started).TotalMilliseconds:F0} ms" +
                (parsed.Campaign is null ? "" : " campaign=" + LogSafe.Text(parsed.Campaign)));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(response.ToJsonBytes());
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long max, CancellationToken ct)
    {
        if (request.ContentLength is { } length)
        {
            if (length > max) throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, ct);
            return exact;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    private bool Authorized(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        // Hashes of equal length, compared in constant time, against every token: no early exit that timing shows.
        var match = false;
        foreach (var token in _tokenHashes) match |= CryptographicOperations.FixedTimeEquals(given, token);
        return match;
    }

    private static bool IsJson(string? contentType)
    {
        if (contentType is null) return false;
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task ReplyAsync(HttpContext context, InjectError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(error.ToJsonBytes());
    }
}
