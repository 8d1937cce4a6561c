using System.Net;
using System.Text;

namespace ActorMTA.TestSupport;

/// <summary>
/// One message a <see cref="ScriptedSmtpReceiver"/> accepted with 250: the envelope and the content
/// exactly as received after dot-unstuffing (the final ".CRLF" excluded).
/// </summary>
/// <param name="MailFrom">The reverse path without angle brackets ("" for the null sender &lt;&gt;).</param>
/// <param name="MailParameters">Whatever followed the address on the MAIL line (e.g. "SIZE=123 BODY=8BITMIME").</param>
/// <param name="Recipients">The accepted forward paths without angle brackets, in order.</param>
/// <param name="ConnectionId">1 for the receiver's first connection, counting up (messages on one connection share it).</param>
public sealed record ReceivedSmtpMessage(
    string MailFrom, string MailParameters, IReadOnlyList<string> Recipients, byte[] Data,
    DateTimeOffset ReceivedAt, IPEndPoint Client, int ConnectionId, bool Tls)
{
    /// <summary>What followed the address on each accepted RCPT line (e.g. "NOTIFY=SUCCESS ORCPT=rfc822;a@b"), in the order of <see cref="Recipients"/>.</summary>
    public IReadOnlyList<string> RecipientParameters { get; init; } = [];

    /// <summary>The content as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>One command line as it arrived (without CRLF); content lines of DATA are not commands.</summary>
public sealed record ReceivedSmtpCommand(int ConnectionId, string Line, DateTimeOffset ReceivedAt);
