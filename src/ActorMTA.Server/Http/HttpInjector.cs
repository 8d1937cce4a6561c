using System.Net;
using System.Text;
using ActorMTA.Protocol.Http.Inject;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Protocol.Text;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Inbound;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Http;

/// <summary>
/// Carries out one accepted injection request with the same promise as SMTP's 250: a recipient counts as a
/// success only when its message is committed to the content store (group commit, fsync) and its delivery is
/// persisted and acknowledged by the mailbox entity (local) or the domain queue entity (remote). It follows
/// <see cref="SmtpSession"/>'s acceptance protocol message for message (DeliverToMailbox / EnqueueDelivery
/// with a correlation id, MailboxDelivered / DeliveryEnqueued / JournalWriteFailed back, RetractDelivery /
/// RetractEnqueue when anything of a message fails), with one message per recipient. Asks, not an actor: the
/// replies go to Akka's temporary ask actors and this code runs on the thread pool, awaiting them; nothing
/// blocks an actor. At most <see cref="HttpSettings.MaxInFlight"/> messages of a request are in hand at once.
/// </summary>
public sealed class HttpInjector(InboundServices services, HttpSettings settings, ILoggingAdapter log)
{
    private static long _nextCorrelation;

    /// <summary>Generates, commits and enqueues every recipient's message; returns when each one's fate is known.
    /// <paramref name="stop"/> (the client went away, the node stops) ends generation: recipients not yet started
    /// are reported failed, the ones in flight finish.</summary>
    public async Task<InjectResponse> InjectAsync(InjectRequest request, InjectMessageBuilder builder, string requestId, IPAddress client, bool tls,
        CancellationToken stop)
    {
        var response = new InjectResponseBuilder();
        var gate = new Lock();
        var sender = ParsePath(request.EnvelopeSender);
        var tags = request.Tenant is null && request.Campaign is null ? MessageTags.None : new MessageTags(null, request.Tenant, request.Campaign);
        using var slots = new SemaphoreSlim(settings.MaxInFlight);
        var running = new List<Task>();
        try
        {
            foreach (var outcome in builder.Build())
            {
                if (!outcome.Succeeded)
                {
                    lock (gate) response.CountIfFailed(outcome);
                    log.Info("http request={0} rcpt=<{1}> failed: {2}", requestId, LogSafe.Text(outcome.Recipient.Email), LogSafe.Text(outcome.Failure));
                    continue;
                }
                if (stop.IsCancellationRequested)
                {
                    lock (gate) response.Failed(outcome.Recipient.Email, "not injected: the request was cut off before this recipient");
                    continue;
                }
                await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        string? failure;
                        try
                        {
                            failure = await InjectOneAsync(outcome, sender, request.Pool, request.Tenant, requestId, client, tls, tags).ConfigureAwait(false);
                        }
                        catch (Exception e)
                        {
                            // A fault of ours before anything was acknowledged: the recipient fails, the request goes on.
                            log.Error(e, "http request={0} rcpt=<{1}> injection failed", requestId, LogSafe.Text(outcome.Recipient.Email));
                            failure = "451 4.3.0 local error in processing: " + e.Message;
                        }
                        lock (gate)
                        {
                            if (failure is null)
                            {
                                response.Succeeded();
                                Observability.MtaMetrics.Received("http");
                            }
                            else response.Failed(outcome.Recipient.Email, failure);
                        }
                        if (failure is not null)
                            services.Events?.Rejected("http", client.ToString(), request.EnvelopeSender, outcome.Recipient.Email, ReplyOf(failure), null,
                                request.Tenant, request.Campaign);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
                // Keep the list from growing with a large request: drop what is done.
                if (running.Count >= 4 * settings.MaxInFlight) running.RemoveAll(t => t.IsCompleted);
            }
        }
        finally
        {
            // Also when generation threw: the messages in flight finish (and release their slots) before the request ends.
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        return response.ToResponse();
    }

    // "550 5.1.1 text" as a reply, for the Rejection event; a failure without a code (a bad address) counts as 550 5.1.3.
    private static SmtpReply ReplyOf(string failure)
    {
        if (failure.Length < 4 || !int.TryParse(failure.AsSpan(0, 3), out var code) || failure[3] != ' ') return new SmtpReply(550, "5.1.3", failure);
        var rest = failure[4..];
        var space = rest.IndexOf(' ');
        var first = space < 0 ? rest : rest[..space];
        return first.Length >= 5 && char.IsDigit(first[0]) && first[1] == '.'
            ? new SmtpReply(code, first, space < 0 ? "" : rest[(space + 1)..])
            : new SmtpReply(code, null, rest);
    }

    private static SmtpPath ParsePath(string address)
    {
        if (address.Length == 0) return SmtpPath.Null;
        var at = address.LastIndexOf('@');
        return at < 0 ? new SmtpPath(address, null) : new SmtpPath(address[..at], address[(at + 1)..]);
    }

    /// <summary>The egress pool of a message's remote copies (null: the default); an unknown name is logged.</summary>
    private string? PoolOf(string? requested, string? header, SmtpPath sender, string requestId, string queueId)
    {
        if (services.Delivery?.Egress is not { } egress) return null;
        var choice = egress.SelectPool(requested, header, sender.Domain);
        if ((requested ?? header) is { } named && !choice.Pool.Name.Equals(named.Trim(), StringComparison.OrdinalIgnoreCase))
            log.Warning("http request={0} queue-id={1} {2}", requestId, queueId, choice.Reason);
        return choice.QueuedName;
    }

    /// <summary>
    /// SMTP's quota rule at RCPT (SmtpSession.CheckQuota) for one injected message: a mailbox already at its quota,
    /// or one the message would take over it, refuses it with 452 4.2.2 before anything is stored; one the message
    /// can never fit gets 552 5.2.2. Null when every mailbox has room or no limit.
    /// </summary>
    private async Task<string?> QuotaRefusalAsync(IReadOnlyList<string> mailboxes, long size)
    {
        var quota = services.Quota;
        if (quota.IsUnlimited) return null;
        var limited = mailboxes.Where(m => quota.LimitFor(m) is not null).ToList();
        if (limited.Count == 0) return null;
        if (limited.Any(m => size > quota.LimitFor(m))) return "552 5.2.2 Message exceeds the mailbox's whole quota";
        QuotaStatus[] status;
        try
        {
            status = await Task.WhenAll(limited.Select(m => services.MailboxRegion.Ask<QuotaStatus>(new GetQuota(m), services.Settings.Smtp.AcceptTimeout)))
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return "451 4.3.0 Mailbox not reachable, try again later";
        }
        return status.Any(q => q.LimitBytes is { } limit && (q.UsedBytes >= limit || q.UsedBytes + size > limit))
            ? "452 4.2.2 Mailbox full, try again later"
            : null;
    }

    /// <summary>One recipient's message; null when it is durably accepted, else why not (never throws).</summary>
    /// <param name="pool">The request's pool field (it wins over a message's X-ActorMTA-Pool field).</param>
    /// <param name="tenant">The request's tenant field (for the suppression check).</param>
    private async Task<string?> InjectOneAsync(InjectOutcome outcome, SmtpPath sender, string? pool, string? tenant, string requestId, IPAddress client, bool tls,
        MessageTags tags)
    {
        var email = outcome.Recipient.Email;
        var queueId = QueueIds.New();
        SmtpPath recipient;
        try
        {
            recipient = ParsePath(email);
        }
        catch (ArgumentException e)
        {
            return "invalid recipient address: " + e.Message;
        }
        var router = services.Router;
        // HTTP callers hold a token: treated as an authenticated submission, which may relay.
        // The request's tenant selects that tenant's suppression list besides the global one.
        var verdict = router.Verdict(recipient, mayRelay: true, tenant);
        if (!verdict.IsAccepted) return await router.RefusalTextAsync(verdict, recipient, tenant).ConfigureAwait(false);
        var (local, remote) = router.Plan([recipient]);
        var references = local.Count + remote.Count;
        if (references == 0) return "550 5.1.1 no destination for this recipient";
        if (await QuotaRefusalAsync(local, outcome.Message.Length).ConfigureAwait(false) is { } full) return full;

        var store = services.Content;
        IReadOnlyList<string> refs;
        long size;
        string? poolHeader;
        ContentWriter writer;
        try
        {
            writer = store.BeginWrite(queueId);
        }
        catch (Exception e)
        {
            log.Error("http request={0} queue-id={1} spool write failed: {2}", requestId, queueId, e.Message);
            return "452 4.3.1 insufficient system storage: " + e.Message;
        }
        try
        {
            var now = DateTimeOffset.Now;
            var host = services.Settings.HostName;
            var returnPath = TraceHeaders.ReturnPath(sender);
            var received = TraceHeaders.Received("api", client, host, tls ? "HTTPS" : "HTTP", queueId, recipient.Address, now);
            // The same filter as a submission port: the caller's Return-Path: fields go, Message-ID:/Date: are added when missing.
            var spooler = new MessageSpooler(writer, returnPath + received, TraceHeaders.MessageIdHeader(queueId, host), TraceHeaders.DateHeader(now),
                services.Settings.Smtp.MaxHeaderSize);
            await spooler.WriteAsync(outcome.Message, CancellationToken.None).ConfigureAwait(false);
            await spooler.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            if (spooler.StorageFailure is { } failure) throw failure;
            poolHeader = spooler.PoolHeader;
            tags = tags with { MessageId = spooler.MessageId };
            if (services.Signer is { } signer)
            {
                // Our callers' mail is signed before it is queued, as an authenticated submission's is.
                string? signature;
                await using (var content = writer.OpenWritten())
                    signature = await signer.SignatureFieldAsync(content, CancellationToken.None).ConfigureAwait(false);
                if (signature is not null)
                    writer = await ContentStamper.StampAsync(store, writer, Encoding.UTF8.GetByteCount(returnPath), signature, null,
                        services.Settings.Smtp.MaxHeaderSize, CancellationToken.None).ConfigureAwait(false);
            }
            size = writer.Length;
            refs = await Observability.MtaMetrics.TimedSpoolCommit(store.CommitAsync(writer, references)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            store.Abort(writer);
            log.Error("http request={0} queue-id={1} content commit failed: {2}", requestId, queueId, e.Message);
            return "451 4.3.0 message not stored: " + e.Message;
        }

        var timeout = services.Settings.Smtp.AcceptTimeout;
        var queuedAt = DateTimeOffset.UtcNow;
        var asks = new List<(Task<object> Reply, object Retraction, string Reference)>(references);
        var i = 0;
        foreach (var mailbox in local)
        {
            var correlation = Interlocked.Increment(ref _nextCorrelation);
            var reference = refs[i++];
            var deliver = new DeliverToMailbox(mailbox, queueId, reference, size, queuedAt, correlation)
            {
                Envelope = services.Events?.Log is null ? null : new DeliveryEnvelope("http", client.ToString(), sender.IsNull ? "" : sender.Address, [recipient.Address], tags),
            };
            asks.Add((services.MailboxRegion.Ask<object>(deliver, timeout),
                new RetractDelivery(mailbox, queueId, correlation), reference));
        }
        var chosenPool = remote.Count > 0 ? PoolOf(pool, poolHeader, sender, requestId, queueId) : null;
        var traits = (HasEightBit(outcome.Message.Span) ? ContentTraits.EightBitMime : ContentTraits.None)
            | (recipient.IsInternational || sender.IsInternational ? ContentTraits.SmtpUtf8 : ContentTraits.None);
        foreach (var (domain, recipients) in remote)
        {
            var correlation = Interlocked.Increment(ref _nextCorrelation);
            var reference = refs[i++];
            var queueName = router.QueueNameFor(domain, queueId);
            asks.Add((services.DomainQueueRegion.Ask<object>(
                new EnqueueDelivery(queueName, queueId, reference, sender.IsNull ? "" : sender.Address, recipients, size, queuedAt, correlation)
                    { Traits = traits, Pool = chosenPool, Tags = tags },
                timeout), new RetractEnqueue(queueName, queueId, correlation), reference));
        }
        string? why = null;
        foreach (var (reply, _, reference) in asks)
        {
            object answer;
            try
            {
                answer = await reply.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                why ??= e is AskTimeoutException ? $"persistence timed out after {timeout}" : e.Message;
                continue;
            }
            switch (answer)
            {
                case MailboxDelivered or DeliveryEnqueued:
                    break;
                case JournalWriteFailed failed:
                    // That entity stored nothing, so its content reference is nobody's.
                    store.Release(reference);
                    why ??= "journal write failed: " + failed.Reason;
                    break;
                default:
                    why ??= "unexpected reply " + answer.GetType().Name;
                    break;
            }
        }
        if (why is not null)
        {
            // Nothing half-delivered: every target that may have stored the message is told to take it back.
            foreach (var (_, retraction, _) in asks)
            {
                if (retraction is RetractDelivery rd) services.MailboxRegion.Tell(rd);
                else services.DomainQueueRegion.Tell(retraction);
            }
            log.Error("{0}", $"http request={requestId} queue-id={queueId} rcpt=<{LogSafe.Text(email)}> not accepted: {why}");
            return "451 4.3.0 " + why;
        }
        // The text as an argument, not the format: an address may hold braces.
        log.Info("{0}", $"http request={requestId} queue-id={queueId} accepted from=<{LogSafe.Text(sender.IsNull ? "" : sender.Address)}> " +
            $"rcpt=<{LogSafe.Text(email)}> size={size} local={local.Count} remote-domains={remote.Count}");
        return null;
    }

    private static bool HasEightBit(ReadOnlySpan<byte> message) => message.IndexOfAnyExceptInRange((byte)0, (byte)0x7f) >= 0;
}
