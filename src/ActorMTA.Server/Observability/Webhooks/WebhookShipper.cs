using System.Net.Http.Headers;
using System.Text;
using ActorMTA.Server.Observability.Events;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Observability.Webhooks;

/// <summary>
/// Sends one webhook endpoint the node's delivery events: reads the event log from the endpoint's durable cursor, POSTs a
/// batch (a JSON array of at most batch-size events, once that many are waiting or the oldest has waited max-delay), and
/// moves the cursor on only after a 2xx. A failure is retried with the same batch after a growing back-off, so an
/// endpoint that was down receives everything afterwards, in order, at least once. File and network I/O run in tasks.
/// </summary>
public sealed class WebhookShipper : ReceiveActor, IWithTimers
{
    private sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    private sealed record Read(EventLogTail.Batch Batch) : INoSerializationVerificationNeeded;
    private sealed record Posted(EventCursor Next, int Count, DateTimeOffset? Newest) : INoSerializationVerificationNeeded;
    private sealed record Failed(string Reason) : INoSerializationVerificationNeeded;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly WebhookEndpoint _endpoint;
    private readonly string _directory;
    private readonly HttpClient _http;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DeliveryEventFilter _filter;
    private EventCursor _cursor;
    private EventLogTail.Batch? _batch;
    private DateTime? _waitingSince;
    private int _failures;
    private long _delivered;
    private string? _lastError;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _oldestPending;
    private bool _busy;

    public ITimerScheduler Timers { get; set; } = null!;

    public WebhookShipper(WebhookEndpoint endpoint, string eventDirectory, EventCursor cursor, HttpClient http)
    {
        _endpoint = endpoint;
        _directory = eventDirectory;
        _cursor = cursor;
        _http = http;
        _filter = new DeliveryEventFilter(endpoint.Types);
        Receive<Tick>(_ => Next());
        Receive<Read>(OnRead);
        Receive<Posted>(OnPosted);
        Receive<Failed>(OnFailed);
        Receive<GetWebhookStatus>(_ => Sender.Tell(Status()));
    }

    /// <summary>Reads the endpoint's cursor (I/O, before the actor exists) and the props of its shipper.</summary>
    public static Props Open(WebhookEndpoint endpoint, string eventDirectory, HttpClient http)
    {
        var cursor = EventCursor.Load(eventDirectory, "webhook-" + endpoint.Name);
        return Props.Create(() => new WebhookShipper(endpoint, eventDirectory, cursor, http));
    }

    protected override void PreStart() => Self.Tell(Tick.Instance);

    private void Next()
    {
        if (_busy) return;
        _busy = true;
        if (_batch is { } pending && _waitingSince is null)
        {
            Post(pending);
            return;
        }
        var (directory, cursor, max, filter) = (_directory, _cursor, _endpoint.BatchSize, _filter);
        Task.Run(() => new Read(EventLogTail.Read(directory, cursor, max, filter))).PipeTo(Self, failure: e => new Failed("reading the event log: " + e.Message));
    }

    private void OnRead(Read read)
    {
        _busy = false;
        var batch = read.Batch;
        _oldestPending = batch.Events.Count > 0 ? batch.Events[0].Event.Time : null;
        if (batch.Events.Count == 0)
        {
            // Only non-matching events (or none): the cursor moves past them without a POST.
            if (batch.Next != _cursor) SaveCursor(batch.Next);
            Timers.StartSingleTimer("tick", Tick.Instance, batch.AtEnd ? Poll : TimeSpan.Zero);
            return;
        }
        var now = DateTime.UtcNow;
        _waitingSince ??= now;
        if (batch.Events.Count < _endpoint.BatchSize && batch.AtEnd && now - _waitingSince < _endpoint.MaxDelay)
        {
            Timers.StartSingleTimer("tick", Tick.Instance, Min(Poll, _endpoint.MaxDelay - (now - _waitingSince.Value)));
            return;
        }
        _waitingSince = null;
        _batch = batch;
        _busy = true;
        Post(batch);
    }

    private void Post(EventLogTail.Batch batch)
    {
        var body = new StringBuilder("[");
        for (var i = 0; i < batch.Events.Count; i++) body.Append(i == 0 ? "" : ",").Append(batch.Events[i].Line);
        var bytes = Encoding.UTF8.GetBytes(body.Append(']').ToString());
        var (endpoint, http, directory, consumer) = (_endpoint, _http, _directory, "webhook-" + _endpoint.Name);
        var newest = batch.Events[^1].Event.Time;
        Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(endpoint.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), bytes));
            using var timeout = new CancellationTokenSource(endpoint.Timeout);
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return (object)new Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            batch.Next.Save(directory, consumer);
            return new Posted(batch.Next, batch.Events.Count, newest);
        }).PipeTo(Self, failure: e => new Failed(e.GetBaseException().Message));
    }

    private void OnPosted(Posted posted)
    {
        _busy = false;
        _batch = null;
        _failures = 0;
        _cursor = posted.Next;
        _delivered += posted.Count;
        _lastSuccess = DateTimeOffset.UtcNow;
        _oldestPending = null;
        Self.Tell(Tick.Instance);
    }

    private void OnFailed(Failed failed)
    {
        _busy = false;
        _failures++;
        _lastError = failed.Reason;
        // 1 s, 2 s, 4 s ... up to max-backoff; the batch (if any) is kept and sent again as it was.
        var backoff = TimeSpan.FromSeconds(Math.Min(_endpoint.MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(_failures - 1, 20))));
        _log.Warning("webhook {0}: {1}; trying again in {2}", _endpoint.Name, failed.Reason, backoff);
        Timers.StartSingleTimer("tick", Tick.Instance, backoff);
    }

    private void SaveCursor(EventCursor next)
    {
        _cursor = next;
        var (directory, consumer) = (_directory, "webhook-" + _endpoint.Name);
        // Losing this save costs nothing but reading the same non-matching lines again.
        Task.Run(() => next.Save(directory, consumer));
    }

    private WebhookStatus Status() => new(_endpoint.Name, _endpoint.Url.ToString(), _delivered, _failures, _lastError, _lastSuccess,
        _oldestPending is { } oldest ? DateTimeOffset.UtcNow - oldest : TimeSpan.Zero, _cursor.Segment, _cursor.Line);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>Asks a shipper for its <see cref="WebhookStatus"/> (ctl webhooks).</summary>
public sealed record GetWebhookStatus : INoSerializationVerificationNeeded
{
    public static readonly GetWebhookStatus Instance = new();
}

/// <param name="Lag">How long the oldest event not yet accepted by the endpoint has waited (zero: caught up).</param>
/// <param name="ConsecutiveFailures">Failed POSTs since the last success.</param>
public sealed record WebhookStatus(string Name, string Url, long Delivered, int ConsecutiveFailures, string? LastError, DateTimeOffset? LastSuccess,
    TimeSpan Lag, string Segment, long Line) : INoSerializationVerificationNeeded;
