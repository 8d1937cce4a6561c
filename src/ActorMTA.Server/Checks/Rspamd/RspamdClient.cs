using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// Asks Rspamd over its HTTP protocol: <see cref="ScanAsync"/> at the normal worker's <c>/checkv2</c>,
/// <see cref="LearnAsync"/> at the controller's <c>/learnspam</c> and <c>/learnham</c>. One per node: it holds a
/// pool of keep-alive connections and is safe to share between concurrent sessions.
/// Rspamd trouble never throws: a scan reports <see cref="RspamdScan.Unavailable"/>, a learn
/// <see cref="RspamdLearnOutcome.Failed"/>, each with the reason, since only the caller knows whether to accept the
/// message unscanned or tempfail it. Only the caller's own cancellation throws.
/// </summary>
public sealed class RspamdClient : IDisposable
{
    private const int ReasonBodyChars = 200;

    private readonly RspamdOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _checkUri;
    private readonly Uri _learnSpamUri;
    private readonly Uri _learnHamUri;

    public RspamdClient(RspamdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "Rspamd timeout must be positive");
        _options = options;
        var handler = new SocketsHttpHandler
        {
            // Rspamd sits beside the MTA: a configured system proxy must not carry mail to it or reroute it.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Timeout,
            // Rspamd closes idle keep-alive connections on its own schedule; dropping ours first avoids sending a
            // message into a socket the server is closing.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
            // Re-resolve now and then, so a scanner moved behind a DNS name is followed.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // SMTPUTF8 envelopes carry UTF-8 addresses; Rspamd reads its headers as UTF-8, the default would be Latin-1.
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        };
        // The per-request deadline below is the timeout; HttpClient's own would report as a different exception.
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _checkUri = Endpoint(options.Url, "checkv2");
        var controller = options.EffectiveControllerUrl;
        _learnSpamUri = Endpoint(controller, "learnspam");
        _learnHamUri = Endpoint(controller, "learnham");
    }

    public RspamdOptions Options => _options;

    /// <summary>Scans the message from <paramref name="content"/>'s current position to its end. The stream is read,
    /// not disposed.</summary>
    public async Task<RspamdScan> ScanAsync(Stream content, RspamdEnvelope envelope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(envelope);
        var body = await BodyAsync(content, ct);
        if (body is null)
            return RspamdScan.ForSkipped(TooLargeReason(content));

        var (status, reply, failure) = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _checkUri) { Content = body.Content() };
            AddEnvelopeHeaders(request.Headers, envelope);
            return request;
        }, _options.Timeout, ct);
        if (failure is not null)
            return RspamdScan.ForUnavailable(failure);
        if (status != HttpStatusCode.OK)
            return RspamdScan.ForUnavailable($"Rspamd answered HTTP {(int)status}: {Snippet(reply)}");
        try
        {
            return RspamdReply.Parse(reply);
        }
        catch (JsonException ex)
        {
            return RspamdScan.ForUnavailable($"unreadable Rspamd reply ({ex.Message}): {Snippet(reply)}");
        }
    }

    // Waits before the learn request is sent again after a transient failure.

    /// <summary>
    /// Failures of the controller's own storage that pass: its sqlite statfiles answer HTTP 500 "database is locked"
    /// while another Rspamd process writes them, and a controller still loading its classifier answers 404 "cannot
    /// find statfile backend". Learning the same message again is harmless (at worst "already learned").
    /// </summary>
    private static bool IsTransientLearnFailure(HttpStatusCode status, string error) =>
        (int)status >= 500 || error.Contains("cannot find statfile backend", StringComparison.OrdinalIgnoreCase);

    /// <summary>Teaches Rspamd's classifier that the message is spam or ham. Reads <paramref name="content"/> from its
    /// current position, does not dispose it.</summary>
    public async Task<RspamdLearnResult> LearnAsync(Stream content, bool spam, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        var body = await BodyAsync(content, ct);
        if (body is null)
            return new RspamdLearnResult(RspamdLearnOutcome.Skipped, TooLargeReason(content));

        HttpStatusCode status;
        byte[] reply;
        string? failure;
        string error;
        for (var attempt = 0; ; attempt++)
        {
            (status, reply, failure) = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, spam ? _learnSpamUri : _learnHamUri) { Content = body.Content() };
                if (!string.IsNullOrEmpty(_options.Password))
                    request.Headers.TryAddWithoutValidation("Password", _options.Password);
                return request;
            }, _options.EffectiveLearnTimeout, ct);
            if (failure is not null)
                return new RspamdLearnResult(RspamdLearnOutcome.Failed, failure);
            if (status == HttpStatusCode.OK)
                return new RspamdLearnResult(RspamdLearnOutcome.Learned, null);
            error = ErrorText(reply);
            if (attempt >= _options.LearnRetryDelays.Count || !IsTransientLearnFailure(status, error)) break;
            await Task.Delay(_options.LearnRetryDelays[attempt], ct);
        }
        // Newer Rspamd says 208 Already Reported; 3.x says 404 with "... has been already learned as spam, ignore it".
        if (status == HttpStatusCode.AlreadyReported || error.Contains("already learned", StringComparison.OrdinalIgnoreCase))
            return new RspamdLearnResult(RspamdLearnOutcome.AlreadyLearned, error);
        return new RspamdLearnResult(RspamdLearnOutcome.Failed, $"Rspamd answered HTTP {(int)status}: {error}");
    }

    /// <summary>
    /// Sends a request built by <paramref name="build"/> within the timeout. A kept-alive connection that Rspamd
    /// closed (restart, idle limit) can fail a request that never reached it; that one failure is retried once on a
    /// new connection, inside the same deadline, so a restart does not cost a message its scan.
    /// </summary>
    private async Task<(HttpStatusCode Status, byte[] Reply, string? Failure)> SendAsync(Func<HttpRequestMessage> build, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                var reply = await response.Content.ReadAsByteArrayAsync(deadline.Token);
                return (response.StatusCode, reply, null);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (default, [], $"no answer from Rspamd at {request.RequestUri} within {timeout.TotalMilliseconds:0} ms");
            }
            catch (HttpRequestException ex) when (attempt == 1 && IsStaleConnection(ex))
            {
                // Retried below.
            }
            catch (HttpRequestException ex)
            {
                return (default, [], $"Rspamd at {request.RequestUri} unreachable: {Describe(ex)}");
            }
            catch (IOException ex)
            {
                return (default, [], $"connection to Rspamd at {request.RequestUri} failed: {Describe(ex)}");
            }
        }
    }

    private static bool IsStaleConnection(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.ResponseEnded
        || ex.InnerException is IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } };

    /// <summary>The request body, or null when the message is over the size limit. Seekable streams are sent in
    /// place; others are buffered, up to one byte past the limit, since their length is otherwise unknown.</summary>
    private async Task<RspamdMessageBody?> BodyAsync(Stream content, CancellationToken ct)
    {
        if (content.CanSeek)
        {
            var remaining = content.Length - content.Position;
            return remaining > _options.MaxMessageSize ? null : new RspamdMessageBody(content, content.Position, remaining);
        }
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > _options.MaxMessageSize)
                return null;
        }
        return new RspamdMessageBody(buffer, 0, buffer.Length);
    }

    private string TooLargeReason(Stream content) => content.CanSeek
        ? $"message of {content.Length - content.Position} bytes exceeds the Rspamd limit of {_options.MaxMessageSize} bytes"
        : $"message exceeds the Rspamd limit of {_options.MaxMessageSize} bytes";

    private static void AddEnvelopeHeaders(System.Net.Http.Headers.HttpRequestHeaders headers, RspamdEnvelope envelope)
    {
        if (envelope.MailFrom is not null)
            Add(headers, "From", envelope.MailFrom.Length == 0 ? "<>" : envelope.MailFrom);
        foreach (var recipient in envelope.Recipients)
            Add(headers, "Rcpt", recipient);
        if (envelope.ClientAddress is { } address)
            Add(headers, "IP", (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
        Add(headers, "Helo", envelope.Helo);
        Add(headers, "Hostname", envelope.ClientHostname);
        Add(headers, "User", envelope.AuthenticatedUser);
        Add(headers, "Queue-Id", envelope.QueueId);
        Add(headers, "Settings-ID", envelope.SettingsId);
    }

    private static void Add(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        // HELO arguments and addresses come from the SMTP client: control characters would break the HTTP request
        // (the handler refuses line breaks in header values), so they are dropped rather than failing the scan.
        var clean = value.Any(char.IsControl) ? new string(value.Where(c => !char.IsControl(c)).ToArray()) : value;
        if (clean.Length > 0)
            headers.TryAddWithoutValidation(name, clean);
    }

    private static Uri Endpoint(Uri baseUri, string command)
    {
        var text = baseUri.ToString();
        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), command);
    }

    /// <summary>The outer message is often generic ("An error occurred while sending the request"); the cause
    /// (refused, reset, closed mid-reply) is what an operator needs in the log.</summary>
    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
            parts.Add(e is SocketException socket ? $"{socket.SocketErrorCode}: {socket.Message}" : e.Message);
        return string.Join(" <- ", parts.Distinct());
    }

    /// <summary>Rspamd's controller answers errors as {"error": "..."}; anything else is quoted as it came.</summary>
    private static string ErrorText(byte[] reply)
    {
        try
        {
            using var document = JsonDocument.Parse(reply);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return error.GetString() ?? "";
        }
        catch (JsonException)
        {
            // Not JSON: fall through to the raw text.
        }
        return Snippet(reply);
    }

    private static string Snippet(byte[] reply)
    {
        var text = Encoding.UTF8.GetString(reply, 0, Math.Min(reply.Length, ReasonBodyChars * 4));
        return text.Length > ReasonBodyChars ? text[..ReasonBodyChars] + "..." : text;
    }

    public void Dispose() => _http.Dispose();
}
