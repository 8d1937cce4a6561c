using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Text;
using Akka.Event;

namespace ActorMTA.Server.Delivery;

/// <summary>
/// The delivery log: one INFO line per attempt and recipient, in a fixed key=value shape that log tools can parse:
/// <c>delivery queue-id=… rcpt=… mx=… result=&lt;code&gt; status=&lt;enhanced&gt; text="…" latency-ms=…</c>.
/// </summary>
public static class DeliveryLog
{
    public static string Line(string queueId, string recipient, string? mx, SmtpReply reply, long latencyMs) =>
        $"delivery queue-id={queueId} rcpt={LogSafe.Text(recipient)} mx={(string.IsNullOrEmpty(mx) ? "-" : mx)} result={reply.Code} " +
        $"status={reply.EnhancedCode ?? "-"} text=\"{Text(reply)}\" latency-ms={latencyMs}";

    public static void Write(ILoggingAdapter log, string queueId, string recipient, string? mx, SmtpReply reply, long latencyMs) =>
        log.Info("{0}", Line(queueId, recipient, mx, reply, latencyMs));

    /// <summary>The reply text on one line, quotes escaped so the field stays parseable; what the remote server sent is
    /// escaped like client text (<see cref="LogSafe"/>), control characters included.</summary>
    public static string Text(SmtpReply reply) =>
        LogSafe.Text(string.Join(" ", reply.Lines)).Replace("\"", "\\\"");
}
