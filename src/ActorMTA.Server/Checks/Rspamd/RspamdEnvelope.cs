using System.Net;

namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// What the SMTP session knew about a message, sent to Rspamd as protocol headers: without it Rspamd can only judge
/// the content, and its SPF, HELO, reverse-DNS and envelope-versus-header rules stay silent.
/// <paramref name="MailFrom"/>: the MAIL FROM address; "" is the null reverse path (bounces), null means unknown.
/// <paramref name="ClientHostname"/>: the client's verified reverse name, null when it has none.
/// <paramref name="AuthenticatedUser"/>: the SASL user; Rspamd relaxes several checks for authenticated senders.
/// <paramref name="SettingsId"/>: selects a named Rspamd settings block (e.g. per-domain policy), when set.
/// </summary>
public sealed record RspamdEnvelope(
    string? MailFrom,
    IReadOnlyList<string> Recipients,
    IPAddress? ClientAddress,
    string? Helo,
    string? ClientHostname,
    string? AuthenticatedUser,
    string? QueueId,
    string? SettingsId = null);
