using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Writes a <see cref="DeliveryEvent"/> as its log line by hand, field after field in declaration order, exactly as
/// <see cref="JsonSerializer"/> writes it with <see cref="DeliveryEvent.Json"/> (a test holds the two equal for an event
/// with every field set, so a new field cannot be forgotten here). Every accepted message derives two events or more;
/// the serializer's metadata-driven path, even source-generated, was most of their cost in a profile of relayed mail.
/// </summary>
internal static class DeliveryEventWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    // One buffer and writer per thread: events are derived on whichever thread runs the entity.
    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _writer;

    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText QueueIdName = JsonEncodedText.Encode("queue_id");
    private static readonly JsonEncodedText MessageIdName = JsonEncodedText.Encode("message_id");
    private static readonly JsonEncodedText SenderName = JsonEncodedText.Encode("sender");
    private static readonly JsonEncodedText RecipientName = JsonEncodedText.Encode("recipient");
    private static readonly JsonEncodedText MailboxName = JsonEncodedText.Encode("mailbox");
    private static readonly JsonEncodedText FolderName = JsonEncodedText.Encode("folder");
    private static readonly JsonEncodedText TenantName = JsonEncodedText.Encode("tenant");
    private static readonly JsonEncodedText CampaignName = JsonEncodedText.Encode("campaign");
    private static readonly JsonEncodedText PoolName = JsonEncodedText.Encode("pool");
    private static readonly JsonEncodedText QueueName = JsonEncodedText.Encode("queue");
    private static readonly JsonEncodedText SiteName = JsonEncodedText.Encode("site");
    private static readonly JsonEncodedText ProviderName = JsonEncodedText.Encode("provider");
    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText MxHostName = JsonEncodedText.Encode("mx_host");
    private static readonly JsonEncodedText MxIpName = JsonEncodedText.Encode("mx_ip");
    private static readonly JsonEncodedText TlsProtocolName = JsonEncodedText.Encode("tls_protocol");
    private static readonly JsonEncodedText TlsCipherName = JsonEncodedText.Encode("tls_cipher");
    private static readonly JsonEncodedText ReplyCodeName = JsonEncodedText.Encode("reply_code");
    private static readonly JsonEncodedText EnhancedCodeName = JsonEncodedText.Encode("enhanced_code");
    private static readonly JsonEncodedText ReplyTextName = JsonEncodedText.Encode("reply_text");
    private static readonly JsonEncodedText AttemptName = JsonEncodedText.Encode("attempt");
    private static readonly JsonEncodedText SizeName = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText QueueTimeMsName = JsonEncodedText.Encode("queue_time_ms");
    private static readonly JsonEncodedText AttemptMsName = JsonEncodedText.Encode("attempt_ms");
    private static readonly JsonEncodedText BounceCategoryName = JsonEncodedText.Encode("bounce_category");
    private static readonly JsonEncodedText ProtocolName = JsonEncodedText.Encode("protocol");
    private static readonly JsonEncodedText ClientIpName = JsonEncodedText.Encode("client_ip");
    private static readonly JsonEncodedText NodeName = JsonEncodedText.Encode("node");
    private static readonly JsonEncodedText BounceSourceName = JsonEncodedText.Encode("bounce_source");
    private static readonly JsonEncodedText FeedbackTypeName = JsonEncodedText.Encode("feedback_type");
    private static readonly JsonEncodedText FeedbackAgentName = JsonEncodedText.Encode("feedback_agent");
    private static readonly JsonEncodedText ReportQueueIdName = JsonEncodedText.Encode("report_queue_id");

    public static string ToLine(DeliveryEvent e)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        var w = _writer ??= new Utf8JsonWriter(buffer, Options);
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString(IdName, e.Id);
        w.WriteString(TypeName, e.Type);
        w.WriteString(TimeName, e.Time);
        if (e.QueueId is { } queueId) w.WriteString(QueueIdName, queueId);
        if (e.MessageId is { } messageId) w.WriteString(MessageIdName, messageId);
        if (e.Sender is { } sender) w.WriteString(SenderName, sender);
        if (e.Recipient is { } recipient) w.WriteString(RecipientName, recipient);
        if (e.Mailbox is { } mailbox) w.WriteString(MailboxName, mailbox);
        if (e.Folder is { } folder) w.WriteString(FolderName, folder);
        if (e.Tenant is { } tenant) w.WriteString(TenantName, tenant);
        if (e.Campaign is { } campaign) w.WriteString(CampaignName, campaign);
        if (e.Pool is { } pool) w.WriteString(PoolName, pool);
        if (e.Queue is { } queue) w.WriteString(QueueName, queue);
        if (e.Site is { } site) w.WriteString(SiteName, site);
        if (e.Provider is { } provider) w.WriteString(ProviderName, provider);
        if (e.Source is { } source) w.WriteString(SourceName, source);
        if (e.MxHost is { } mxHost) w.WriteString(MxHostName, mxHost);
        if (e.MxIp is { } mxIp) w.WriteString(MxIpName, mxIp);
        if (e.TlsProtocol is { } tlsProtocol) w.WriteString(TlsProtocolName, tlsProtocol);
        if (e.TlsCipher is { } tlsCipher) w.WriteString(TlsCipherName, tlsCipher);
        if (e.ReplyCode is { } replyCode) w.WriteNumber(ReplyCodeName, replyCode);
        if (e.EnhancedCode is { } enhancedCode) w.WriteString(EnhancedCodeName, enhancedCode);
        if (e.ReplyText is { } replyText) w.WriteString(ReplyTextName, replyText);
        if (e.Attempt is { } attempt) w.WriteNumber(AttemptName, attempt);
        if (e.Size is { } size) w.WriteNumber(SizeName, size);
        if (e.QueueTimeMs is { } queueTimeMs) w.WriteNumber(QueueTimeMsName, queueTimeMs);
        if (e.AttemptMs is { } attemptMs) w.WriteNumber(AttemptMsName, attemptMs);
        if (e.BounceCategory is { } bounceCategory) w.WriteString(BounceCategoryName, bounceCategory);
        if (e.Protocol is { } protocol) w.WriteString(ProtocolName, protocol);
        if (e.ClientIp is { } clientIp) w.WriteString(ClientIpName, clientIp);
        if (e.Node is { } node) w.WriteString(NodeName, node);
        if (e.BounceSource is { } bounceSource) w.WriteString(BounceSourceName, bounceSource);
        if (e.FeedbackType is { } feedbackType) w.WriteString(FeedbackTypeName, feedbackType);
        if (e.FeedbackAgent is { } feedbackAgent) w.WriteString(FeedbackAgentName, feedbackAgent);
        if (e.ReportQueueId is { } reportQueueId) w.WriteString(ReportQueueIdName, reportQueueId);
        w.WriteEndObject();
        w.Flush();
        var line = Encoding.UTF8.GetString(buffer.WrittenSpan);
        // A rare huge event (a long reply text) does not keep its buffer on this thread for good.
        if (buffer.Capacity > 64 * 1024)
        {
            _buffer = null;
            _writer = null;
        }
        return line;
    }
}
