using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// One delivery event: what happened to one recipient of one message, as one JSON object on one line of the event log.
/// <see cref="Id"/> is stable: an event derived again after a crash has the id it had, so consumers de-duplicate by it.
/// Fields that do not apply (no MX host for a Reception) are left out of the JSON.
/// </summary>
public sealed record DeliveryEvent
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required DateTimeOffset Time { get; init; }
    public string? QueueId { get; init; }
    public string? MessageId { get; init; }
    public string? Sender { get; init; }
    public string? Recipient { get; init; }
    /// <summary>The local mailbox a message was stored in (Reception, Delivery), when it is not the recipient's own
    /// address: the recipient is an alias.</summary>
    public string? Mailbox { get; init; }
    /// <summary>The folder of a local Delivery when not INBOX (Junk, after a spam verdict or DMARC quarantine).</summary>
    public string? Folder { get; init; }
    public string? Tenant { get; init; }
    public string? Campaign { get; init; }
    public string? Pool { get; init; }
    /// <summary>The domain queue (recipient domain, or domain#partition) the message waited in.</summary>
    public string? Queue { get; init; }
    public string? Site { get; init; }
    public string? Provider { get; init; }
    public string? Source { get; init; }
    public string? MxHost { get; init; }
    public string? MxIp { get; init; }
    public string? TlsProtocol { get; init; }
    public string? TlsCipher { get; init; }
    public int? ReplyCode { get; init; }
    public string? EnhancedCode { get; init; }
    public string? ReplyText { get; init; }
    public int? Attempt { get; init; }
    public long? Size { get; init; }
    public long? QueueTimeMs { get; init; }
    public long? AttemptMs { get; init; }
    public string? BounceCategory { get; init; }
    /// <summary>Where a message was received from (Reception, Rejection): smtp, http, dsn.</summary>
    public string? Protocol { get; init; }
    /// <summary>The client's address (Reception, Rejection).</summary>
    public string? ClientIp { get; init; }
    public string? Node { get; init; }
    /// <summary>"async" for a Bounce or TransientFailure read from a report that came back later (a DSN at a VERP
    /// return path) rather than from our own delivery attempt.</summary>
    public string? BounceSource { get; init; }
    /// <summary>A Feedback event's RFC 5965 Feedback-Type (abuse, fraud, virus, not-spam, other...).</summary>
    public string? FeedbackType { get; init; }
    /// <summary>A Feedback event's User-Agent: whose feedback loop sent it.</summary>
    public string? FeedbackAgent { get; init; }
    /// <summary>The queue id under which the report (bounce or complaint) itself was received.</summary>
    public string? ReportQueueId { get; init; }

    /// <summary>
    /// The log's JSON: snake_case names, nulls left out, and only what JSON requires escaped. The default escaping is
    /// for HTML and writes every Message-ID's angle brackets as \u003C and \u003E, which an operator grepping the log
    /// for one cannot match. A line still never holds a raw control character, so one event stays one line.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(DeliveryEventJson.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // Source-generated metadata, for reading lines back (consumers, queries) without reflection.
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<DeliveryEvent> TypeInfo =
        new DeliveryEventJson(Json).DeliveryEvent;

    /// <summary>One line of the event log, without its line end (<see cref="DeliveryEventWriter"/>).</summary>
    public string ToJsonLine() => DeliveryEventWriter.ToLine(this);

    /// <summary>The event of one event-log line; null for a line that is not one (a torn last line after a crash).</summary>
    public static DeliveryEvent? FromJsonLine(string line)
    {
        if (line.Length < 2 || line[0] != '{') return null;
        try
        {
            return JsonSerializer.Deserialize(line, TypeInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

// Metadata only: lines are written by DeliveryEventWriter, so a generated serialization path would be dead code.
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeliveryEvent))]
internal sealed partial class DeliveryEventJson : JsonSerializerContext;
