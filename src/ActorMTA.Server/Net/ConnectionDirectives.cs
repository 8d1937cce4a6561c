using System.Security.Cryptography.X509Certificates;

namespace ActorMTA.Server.Net;

/// <summary>
/// What a session actor asks its <see cref="SocketConnection"/> to do. The connection runs them
/// strictly in order, so a reply written before a read is always on the wire before the read waits.
/// </summary>
public abstract record ConnectionDirective;

/// <summary>Queue bytes for sending. They are flushed before the connection waits for input (RFC 2920 batching).</summary>
public sealed record SendBytes(ReadOnlyMemory<byte> Bytes) : ConnectionDirective;

/// <summary>
/// Read one line (without CRLF). <paramref name="Timeout"/> is a deadline for the whole line, counted from when the
/// read starts: a client trickling a byte at a time does not get it restarted. Answers <see cref="LineReceived"/>,
/// <see cref="LineTooLong"/> or <see cref="ReadTimedOut"/>.
/// </summary>
public sealed record ReadLine(int MaxLength, TimeSpan Timeout) : ConnectionDirective;

/// <summary>Read SMTP DATA until CRLF.CRLF, dot-unstuffed, into the sink, all of it within <paramref name="Timeout"/>
/// and at least at <see cref="Pace"/>. Answers <see cref="DataCompleted"/> or <see cref="ReadTimedOut"/>.</summary>
public sealed record ReadDotTerminated(IMessageSink Sink, long MaxBytes, TimeSpan Timeout) : ConnectionDirective
{
    public TransferPace Pace { get; init; } = TransferPace.None;
}

/// <summary>Read exactly Count bytes (BDAT chunk, IMAP literal) into the sink, all of it within <paramref name="Timeout"/>
/// and at least at <see cref="Pace"/>. Answers <see cref="DataCompleted"/> or <see cref="ReadTimedOut"/>.</summary>
public sealed record ReadExactly(IMessageSink Sink, long Count, long MaxBytes, TimeSpan Timeout) : ConnectionDirective
{
    public TransferPace Pace { get; init; } = TransferPace.None;
}

/// <summary>
/// The slowest a transfer may go: once <paramref name="Grace"/> has passed, the bytes received must keep up with
/// <paramref name="MinBytesPerSecond"/> over the whole transfer so far (Postfix's smtpd_min_data_rate). 0 turns it off.
/// </summary>
public sealed record TransferPace(long MinBytesPerSecond, TimeSpan Grace)
{
    public static readonly TransferPace None = new(0, TimeSpan.Zero);

    /// <summary>How long after its start a transfer that has received <paramref name="bytes"/> falls behind this pace;
    /// null when no pace is required.</summary>
    public TimeSpan? BehindAt(long bytes)
    {
        if (MinBytesPerSecond <= 0) return null;
        var earned = TimeSpan.FromSeconds((double)bytes / MinBytesPerSecond);
        return earned > Grace ? earned : Grace;
    }
}

/// <summary>Stream stored content to the client, dot-stuffed and terminated with ".\r\n" (POP3 RETR/TOP). Answers <see cref="ContentSent"/>.</summary>
public sealed record SendDotStuffed(Func<Stream> OpenContent, int? TopLines) : ConnectionDirective
{
    /// <summary>Sent just before the content, and only once it is open (POP3's "+OK n octets").</summary>
    public ReadOnlyMemory<byte> Preamble { get; init; }
}

/// <summary>
/// Copy <paramref name="Length"/> bytes from <paramref name="Offset"/> of stored content to the client as they are
/// (an IMAP literal's payload, framed by the SendBytes around it). Answers <see cref="ContentSent"/> only on failure,
/// after which the connection closes: the client was promised exactly Length bytes.
/// </summary>
public sealed record SendContentSlice(Func<Stream> OpenContent, long Offset, long Length) : ConnectionDirective;

/// <summary>Flush, then compress both directions with raw DEFLATE from the next byte (IMAP COMPRESS, RFC 4978).</summary>
public sealed record StartDeflate : ConnectionDirective
{
    public static readonly StartDeflate Instance = new();
}

/// <summary>Flush, then run the TLS handshake as server. Answers <see cref="TlsEstablished"/> or <see cref="ConnectionClosed"/>.</summary>
public sealed record StartTls(X509Certificate2 Certificate, TimeSpan HandshakeTimeout) : ConnectionDirective;

/// <summary>
/// Flush, then run the TLS handshake as client (outbound SMTP after 220 to STARTTLS). Bytes read before it
/// are dropped (RFC 3207 section 5). The server certificate is checked only when <paramref name="VerifyCertificate"/>
/// (opportunistic TLS is better than none, and most MX certificates do not match their MX names).
/// Answers <see cref="TlsEstablished"/> or <see cref="ConnectionClosed"/>.
/// </summary>
public sealed record StartTlsClient(string TargetHost, bool VerifyCertificate, TimeSpan HandshakeTimeout) : ConnectionDirective;

/// <summary>Flush what is queued and close the socket.</summary>
/// <summary>Tells the session <paramref name="Message"/> once everything posted before it has been handed to the socket:
/// lets a session produce a long response chunk by chunk without queueing all of it in memory.</summary>
public sealed record NotifyWhenWritten(object Message) : ConnectionDirective;

public sealed record CloseConnection : ConnectionDirective
{
    public static readonly CloseConnection Instance = new();
}

/// <summary>What the connection reports back to its session actor.</summary>
public abstract record ConnectionEvent;

public sealed record LineReceived(byte[] Line) : ConnectionEvent;

public sealed record LineTooLong : ConnectionEvent
{
    public static readonly LineTooLong Instance = new();
}

public sealed record ReadTimedOut : ConnectionEvent
{
    public static readonly ReadTimedOut Instance = new();
}

/// <summary>Data phase ended. TooBig: the terminator was read but bytes past MaxBytes were discarded.</summary>
public sealed record DataCompleted(long Bytes, bool TooBig) : ConnectionEvent;

public sealed record ContentSent(bool Ok, string? Failure = null) : ConnectionEvent
{
    /// <summary>Whether any of the answer (a <see cref="SendDotStuffed.Preamble"/>, content) went out before the failure.</summary>
    public bool Started { get; init; } = true;
}

public sealed record TlsEstablished(string Protocol, string Cipher) : ConnectionEvent;

/// <summary>The peer went away, a write failed, or the connection was closed on request.</summary>
public sealed record ConnectionClosed(string Reason) : ConnectionEvent;

/// <summary>Receives message bytes as they arrive, so a message is never held whole in memory.</summary>
public interface IMessageSink
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary>A sink that drops what it gets: reading data that will be refused anyway.</summary>
public sealed class DiscardingSink : IMessageSink
{
    public static readonly DiscardingSink Instance = new();

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
