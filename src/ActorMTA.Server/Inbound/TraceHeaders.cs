using System.Globalization;
using System.Net;
using System.Text;
using ActorMTA.Protocol.Smtp;

namespace ActorMTA.Server.Inbound;

/// <summary>Header lines the server itself adds to a message it accepts.</summary>
public static class TraceHeaders
{
    /// <summary>
    /// RFC 5321 §4.4 trace line with the RFC 3848 "with" keyword (ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTPS...).
    /// </summary>
    public static string Received(string heloName, IPAddress clientAddress, string serverName, string protocol,
        string queueId, string? singleRecipient, DateTimeOffset at)
    {
        var sb = new StringBuilder(256);
        sb.Append("Received: from ").Append(Sanitize(heloName)).Append(" ([").Append(clientAddress).Append("])\r\n");
        sb.Append("\tby ").Append(serverName).Append(" (ActorMTA) with ").Append(protocol).Append(" id ").Append(queueId);
        if (singleRecipient is not null) sb.Append("\r\n\tfor <").Append(Sanitize(singleRecipient)).Append('>');
        sb.Append("; ").Append(Rfc5322Date(at)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>
    /// RFC 5321 section 4.4: the reverse-path as the first line of the stored message ("&lt;&gt;" for the null
    /// sender). Written into the spool for every message, so mailboxes see it; relaying strips it again.
    /// The path parser admits no CR, LF or other control characters, so the address needs no sanitizing.
    /// </summary>
    public static string ReturnPath(SmtpPath reversePath) => $"Return-Path: {reversePath}\r\n";

    public static string Protocol(bool extended, bool tls, bool authenticated, bool utf8)
    {
        if (!extended) return "SMTP";
        var p = (utf8 ? "UTF8SMTP" : "ESMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
        return p;
    }

    public static string MessageIdHeader(string queueId, string hostName) => $"Message-ID: <{queueId}@{hostName}>\r\n";

    public static string DateHeader(DateTimeOffset at) => $"Date: {Rfc5322Date(at)}\r\n";

    public static string Rfc5322Date(DateTimeOffset at)
    {
        var offset = at.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return at.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + $"{sign}{abs.Hours:00}{abs.Minutes:00}";
    }

    // HELO names come from the client: keep them from breaking the header.
    private static string Sanitize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s) sb.Append(ch is '\r' or '\n' or '\t' or '(' or ')' or '<' or '>' ? '_' : ch);
        return sb.ToString();
    }
}
