using System.Net.Sockets;
using System.Security.Authentication;

namespace ActorMTA.LoadTests.Net;

/// <summary>
/// A session failure with the key it is counted under in the summary's errors: a reply such as
/// `451 4.3.0` or `-ERR PASS`, or a transport failure: `connect-refused`, `connect-error`, `timeout`,
/// `closed` (the server hung up), `io` (reset or other socket error), `tls`, `protocol` (an answer
/// the tool cannot parse). <see cref="Recorded"/> is true when the error was already counted.
/// </summary>
internal sealed class LoadException(string code, string? detail = null, Exception? inner = null, bool recorded = false)
    : Exception(detail is null ? code : $"{code}: {detail}", inner)
{
    public string Code { get; } = code;
    public bool Recorded { get; } = recorded;

    /// <summary>A failure that already went into the error counts (e.g. a 421 reply); it only ends the connection.</summary>
    public static LoadException AlreadyRecorded(string code) => new(code, recorded: true);

    /// <summary>Maps what socket, stream and TLS calls throw to an error key.</summary>
    public static LoadException From(Exception e, bool connecting) => e switch
    {
        LoadException l => l,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } when connecting => new("connect-refused", e.Message, e),
        SocketException { SocketErrorCode: SocketError.TimedOut } => new("timeout", e.Message, e),
        SocketException when connecting => new("connect-error", e.Message, e),
        AuthenticationException => new("tls", e.Message, e),
        IOException { InnerException: SocketException s } when connecting && s.SocketErrorCode == SocketError.ConnectionRefused => new("connect-refused", e.Message, e),
        IOException or SocketException or ObjectDisposedException => new(connecting ? "connect-error" : "io", e.Message, e),
        _ => new("io", $"{e.GetType().Name}: {e.Message}", e),
    };
}
