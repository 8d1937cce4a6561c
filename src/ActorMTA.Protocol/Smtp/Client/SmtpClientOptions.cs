namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// Settings of one outbound SMTP session; the delivery actor fills them from its configuration.
/// </summary>
/// <param name="HeloName">Our host name, sent as the EHLO/HELO argument (a domain or an address literal).</param>
/// <param name="TryStartTls">Upgrade with STARTTLS (RFC 3207) when the server advertises it.</param>
/// <param name="RequireTls">Refuse to deliver in plaintext: when the server offers no STARTTLS (or refuses it),
/// the session fails with <see cref="LocalReplies.TlsRequired"/>, a transient failure.</param>
public sealed record SmtpClientOptions(string HeloName, bool TryStartTls, bool RequireTls);
