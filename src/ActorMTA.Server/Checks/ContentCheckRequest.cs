using System.Net;
using ActorMTA.Server.Checks.Spf;

namespace ActorMTA.Server.Checks;

/// <summary>Everything the end-of-data checks need about one message besides its bytes.</summary>
public sealed record ContentCheckRequest(
    string QueueId,
    string SessionId,
    IPAddress Client,
    string Helo,
    string MailFrom,
    IReadOnlyList<string> Recipients,
    ConnectionAssessment Connection,
    SpfOutcome? Spf,
    long Size);
