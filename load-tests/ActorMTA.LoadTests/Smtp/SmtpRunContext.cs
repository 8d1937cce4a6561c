using System.Net;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;
using ActorMTA.LoadTests.Runs;
using ActorMTA.LoadTests.Verification;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>What every SMTP session of a run shares: options, work, counters and the per-command latency metrics.</summary>
internal sealed class SmtpRunContext
{
    public SmtpRunContext(SmtpOptions options, WorkSource work, AcknowledgedLog? acknowledged)
    {
        Options = options;
        Work = work;
        Acknowledged = acknowledged;
        Target = new IPEndPoint(options.Common.Host, options.Common.Port);
        Sources = new SourceAddresses(options.Common.SourceIps);
        Messages = new MessageFactory(options.Common.RunId, options.From, options.Sizes, options.Recipients[0],
            options.DkimKey is null ? null : new MessageSignature(options.DkimKey, options.DkimSelector));
        Connect = Latency["connect"];
        Greeting = Latency["greeting"];
        Ehlo = Latency["ehlo"];
        StartTls = Latency["starttls"];
        Tls = Latency["tls"];
        Auth = Latency["auth"];
        Mail = Latency["mail"];
        Rcpt = Latency["rcpt"];
        Data = Latency["data"];
        DataEnd = Latency["data-end"];
        Message = Latency["message"];
        Rset = Latency["rset"];
        Quit = Latency["quit"];
    }

    public SmtpOptions Options { get; }
    public WorkSource Work { get; }
    public AcknowledgedLog? Acknowledged { get; }
    public IPEndPoint Target { get; }
    public SourceAddresses Sources { get; }
    public MessageFactory Messages { get; }
    public RunCounters Counters { get; } = new();
    public ErrorCounter Errors { get; } = new();
    public LatencyRecorder Latency { get; } = new();

    public LatencyMetric Connect { get; }
    public LatencyMetric Greeting { get; }
    public LatencyMetric Ehlo { get; }
    public LatencyMetric StartTls { get; }
    public LatencyMetric Tls { get; }
    public LatencyMetric Auth { get; }
    public LatencyMetric Mail { get; }
    public LatencyMetric Rcpt { get; }
    public LatencyMetric Data { get; }
    public LatencyMetric DataEnd { get; }
    public LatencyMetric Message { get; }
    public LatencyMetric Rset { get; }
    public LatencyMetric Quit { get; }
}
