using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Suppression;

namespace ActorMTA.Server.Routing;

/// <summary>
/// The one place that decides where mail for an address goes: local mailboxes (users, aliases, the implicit
/// postmaster, see <see cref="AccountSnapshot.Expand"/>), remote domains and their queue names, an unknown user,
/// or a relay that is not allowed; and the report addresses (VERP return paths, feedback loops) that take no mail. The SMTP session asks it at RCPT and again at acceptance, DSNs ask it for
/// their destination, and <c>ctl</c> for a mailbox's name. Reads the current account snapshot on every call, so
/// it is thread-safe and sees account changes at once.
/// </summary>
public sealed class RecipientRouter
{
    private static readonly RecipientVerdict LoopDetected =
        RecipientVerdict.Reject(new SmtpReply(550, "5.4.6", "Recipient address rejected: Alias loop detected"));

    private readonly Func<AccountSnapshot> _accounts;
    private readonly DeliverySettings? _delivery;

    /// <param name="accounts">The current snapshot (<c>AccountCache.Current</c>).</param>
    /// <param name="delivery">For the queue partitions of a domain (actormta.delivery.throttles); null: unpartitioned.</param>
    public RecipientRouter(Func<AccountSnapshot> accounts, DeliverySettings? delivery = null)
    {
        _accounts = accounts;
        _delivery = delivery;
    }

    public AccountSnapshot Accounts => _accounts();

    /// <summary>
    /// The suppression list (actormta.suppression) that refuses relayed recipients; null: off. Mail for local
    /// mailboxes is never suppressed: the list is about not sending to addresses that bounced or complained.
    /// </summary>
    public SuppressionList? Suppression { get; init; }

    /// <summary>
    /// VERP return paths and feedback-loop addresses (actormta.bounces): accepted at RCPT without an account, never
    /// relayed, never suppressed, and left out of <see cref="Plan"/>: the session reads the reports they receive.
    /// Null: no address is a report address.
    /// </summary>
    public ReportAddresses? Reports { get; init; }

    /// <summary>The report address <paramref name="recipient"/> is, or null for ordinary mail.</summary>
    public ReportAddress? ReportFor(SmtpPath recipient) => Reports?.Recognize(recipient);

    /// <summary>The answer to RCPT TO: local addresses must lead to a mailbox or forward; others need relay permission
    /// and must not be suppressed (globally, or for <paramref name="tenant"/> when the message has one).</summary>
    /// <param name="mayRelay">The client authenticated or is in actormta.smtp.relay-networks.</param>
    /// <param name="tenant">The message's tenant (the HTTP API's tenant field); null: the global list only.</param>
    public RecipientVerdict Verdict(SmtpPath recipient, bool mayRelay, string? tenant = null)
    {
        // A report is for this server, whoever sends it (bounces come from anywhere) and whatever the lists say.
        if (ReportFor(recipient) is not null) return RecipientVerdict.Accept;
        return Expand(recipient).Status switch
        {
            AddressExpansionStatus.Local => RecipientVerdict.Accept,
            AddressExpansionStatus.UnknownUser => RecipientVerdict.UnknownUser,
            AddressExpansionStatus.AliasLoop => LoopDetected,
            // Never an open relay: mail for other domains only from authenticated users or trusted networks.
            _ when !mayRelay => RecipientVerdict.RelayDenied,
            _ when IsSuppressed(recipient, tenant) => RecipientVerdict.Suppressed(recipient.Address),
            _ => RecipientVerdict.Accept,
        };
    }

    private bool IsSuppressed(SmtpPath recipient, string? tenant) =>
        Suppression is { } list && recipient.Domain is not null && list.IsSuppressed(recipient.Address, tenant);

    /// <summary>
    /// The text of a refused <see cref="Verdict"/> for a caller that can wait (the HTTP API): a suppressed
    /// recipient's reply with the entry's reason, source and time read from the list; any other refusal as it is.
    /// </summary>
    public async Task<string> RefusalTextAsync(RecipientVerdict verdict, SmtpPath recipient, string? tenant = null)
    {
        var text = verdict.Rejection?.ToString() ?? throw new ArgumentException("not a refusal", nameof(verdict));
        if (!IsSuppressed(recipient, tenant) || await Suppression!.FindAsync(recipient.Address, tenant).ConfigureAwait(false) is not { } entry)
            return text;
        var scope = entry.Tenant.Length == 0 ? "global" : "tenant " + entry.Tenant;
        return $"{text} ({scope}, {entry.Source.ToString().ToLowerInvariant()} {entry.CreatedUtc:yyyy-MM-dd'T'HH:mm:ss'Z'}: {entry.Reason})";
    }

    /// <summary>
    /// Where an accepted message goes: the mailboxes to store it in, and per remote domain the recipients to queue
    /// (forwards of aliases included). Both without duplicates; fresh collections the caller owns. A local
    /// recipient that no longer resolves (its user was deleted after RCPT) still gets a mailbox of its own
    /// address: the client was told 250 for it. Report addresses go to neither (<see cref="ReportFor"/>).
    /// </summary>
    /// <param name="recipientsByMailbox">When given, filled with the recipients (as given) that lead to each mailbox, for
    /// the delivery events.</param>
    public (List<string> Mailboxes, Dictionary<string, List<string>> Remote) Plan(IEnumerable<SmtpPath> recipients,
        Dictionary<string, List<string>>? recipientsByMailbox = null)
    {
        var mailboxes = new List<string>();
        var remote = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var recipient in recipients)
        {
            if (ReportFor(recipient) is not null) continue;
            var expansion = Expand(recipient);
            switch (expansion.Status)
            {
                case AddressExpansionStatus.Local:
                    foreach (var mailbox in expansion.Mailboxes)
                    {
                        AddOnce(mailboxes, mailbox);
                        if (recipientsByMailbox is not null) AddRecipient(recipientsByMailbox, mailbox, recipient.Address);
                    }
                    foreach (var forward in expansion.Forwards) AddRemote(remote, DomainOf(forward), forward);
                    break;
                case AddressExpansionStatus.NotLocal when recipient.Domain is not null:
                    AddRemote(remote, recipient.Domain, recipient.Address);
                    break;
                default:
                    var own = MailboxOf(recipient.Address);
                    AddOnce(mailboxes, own);
                    if (recipientsByMailbox is not null) AddRecipient(recipientsByMailbox, own, recipient.Address);
                    break;
            }
        }
        return (mailboxes, remote);
    }

    private static void AddRecipient(Dictionary<string, List<string>> byMailbox, string mailbox, string recipient)
    {
        if (!byMailbox.TryGetValue(mailbox, out var list)) byMailbox[mailbox] = [recipient];
        else if (!list.Contains(recipient, StringComparer.OrdinalIgnoreCase)) list.Add(recipient);
    }

    /// <summary>
    /// Where a DSN for <paramref name="sender"/> goes: a local sender's (first) mailbox, or the queue of the
    /// sender's domain (or of the first forward of a local alias that only forwards); none for a local sender
    /// that leads nowhere.
    /// </summary>
    public DsnDestination DsnDestinationFor(string sender, string dsnQueueId)
    {
        var expansion = Accounts.Expand(sender);
        switch (expansion.Status)
        {
            case AddressExpansionStatus.Local when expansion.Mailboxes.Count > 0:
                return DsnDestination.ToMailbox(expansion.Mailboxes[0]);
            case AddressExpansionStatus.Local when expansion.Forwards.Count > 0:
                var forward = expansion.Forwards[0];
                return DsnDestination.ToQueue(QueueNameFor(DomainOf(forward), dsnQueueId), forward);
            case AddressExpansionStatus.NotLocal when DomainOf(sender).Length > 0:
                return DsnDestination.ToQueue(QueueNameFor(DomainOf(sender), dsnQueueId), sender);
            default:
                return DsnDestination.Nowhere("no local mailbox " + sender);
        }
    }

    /// <summary>The mailbox the postmaster's mail is stored in: where reports nothing could read go.</summary>
    public string PostmasterMailbox()
    {
        var expansion = Accounts.Expand(Accounts.ImplicitPostmaster);
        return expansion is { Status: AddressExpansionStatus.Local, Mailboxes.Count: > 0 } ? expansion.Mailboxes[0] : Accounts.ImplicitPostmaster;
    }

    /// <summary>The DomainQueue entity for a message to <paramref name="domain"/> (partitioned by queue id when configured).</summary>
    public string QueueNameFor(string domain, string queueId) =>
        QueuePartitions.QueueNameFor(domain, queueId, _delivery?.ThrottleFor(domain).Partitions ?? 1);

    /// <summary>The Mailbox entity name of an address: normalised ("Alice@Example.ORG" → "alice@example.org"),
    /// the bare "postmaster" as postmaster@primary domain.</summary>
    public string MailboxOf(string address)
    {
        if (address.Equals(AliasPolicy.Postmaster, StringComparison.OrdinalIgnoreCase))
            return Accounts.ImplicitPostmaster;
        return AccountAddress.TryNormalize(address, out var normalized, out _) ? normalized : address.ToLowerInvariant();
    }

    private AddressExpansion Expand(SmtpPath recipient) =>
        Accounts.Expand(recipient.Domain is null ? AliasPolicy.Postmaster : recipient.Address);

    private static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].ToLowerInvariant();
    }

    private static void AddOnce(List<string> list, string item)
    {
        if (!list.Contains(item)) list.Add(item);
    }

    private static void AddRemote(Dictionary<string, List<string>> remote, string domain, string address)
    {
        if (!remote.TryGetValue(domain, out var list)) remote[domain] = list = new List<string>();
        AddOnce(list, address);
    }
}
