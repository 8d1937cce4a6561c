using ActorMTA.Protocol.Text;
using ActorMTA.Storage.Suppression;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// Adds hard bounces (InvalidRecipient, BadDomain) and complaints to the suppression list, from the event log: a consumer
/// with a durable cursor like a webhook, so a bounce written before a crash is still added after it. An address goes to
/// its message's tenant list when the message had a tenant, else to the global list.
/// </summary>
public sealed class SuppressionFeeder : ReceiveActor, IWithTimers
{
    public const string Consumer = "suppression";

    private static readonly IReadOnlySet<string> HardCategories = new HashSet<string>(StringComparer.Ordinal) { "InvalidRecipient", "BadDomain" };
    private static readonly DeliveryEventFilter Wanted =
        new(new HashSet<string>(StringComparer.Ordinal) { DeliveryEventType.Bounce, DeliveryEventType.Feedback });
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private sealed record Tick : INoSerializationVerificationNeeded { public static readonly Tick Instance = new(); }
    private sealed record Done(EventCursor Next, int Added, bool AtEnd, IReadOnlyList<string> Refused) : INoSerializationVerificationNeeded;
    private sealed record Failed(string Reason) : INoSerializationVerificationNeeded;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private EventCursor _cursor;

    public ITimerScheduler Timers { get; set; } = null!;

    public SuppressionFeeder(string directory, EventCursor cursor, SuppressionList list)
    {
        _cursor = cursor;
        Receive<Tick>(_ =>
        {
            var from = _cursor;
            Task.Run(async () =>
            {
                var batch = EventLogTail.Read(directory, from, 1000, Wanted);
                var entries = new List<SuppressionEntry>();
                var refused = new List<string>();
                foreach (var e in batch.Events.Select(e => e.Event).Where(ShouldSuppress))
                    if (EntryOf(e, list.Options.AutomaticExpiry, refused) is { } entry) entries.Add(entry);
                if (entries.Count > 0) await list.AddAsync(entries).ConfigureAwait(false);
                if (batch.Next != from) batch.Next.Save(directory, Consumer);
                return (object)new Done(batch.Next, entries.Count, batch.AtEnd, refused);
            }).PipeTo(Self, failure: e => new Failed(e.GetBaseException().Message));
        });
        Receive<Done>(done =>
        {
            _cursor = done.Next;
            if (done.Added > 0) _log.Info("suppression: {0} addresses added from bounces and complaints", done.Added);
            foreach (var refused in done.Refused) _log.Warning("suppression: not added: {0}", LogSafe.Text(refused));
            Timers.StartSingleTimer("tick", Tick.Instance, done.AtEnd ? Poll : TimeSpan.Zero);
        });
        Receive<Failed>(failed =>
        {
            _log.Warning("suppression: adding from the event log failed: {0}; trying again in 5s", failed.Reason);
            Timers.StartSingleTimer("tick", Tick.Instance, TimeSpan.FromSeconds(5));
        });
    }

    public static Props Open(string directory, SuppressionList list)
    {
        var cursor = EventCursor.Load(directory, Consumer);
        return Props.Create(() => new SuppressionFeeder(directory, cursor, list));
    }

    protected override void PreStart() => Self.Tell(Tick.Instance);

    /// <summary>
    /// The entry for <paramref name="e"/>, or null (with the reason in <paramref name="refused"/>) when its address or
    /// tenant cannot be stored. Asynchronous reports come from anyone: a DSN naming "garbage" as its recipient, or a
    /// forged VERP address with a tenant the list refuses, would otherwise fail its batch on every retry and hold up
    /// every hard bounce and complaint after it.
    /// </summary>
    private static SuppressionEntry? EntryOf(DeliveryEvent e, TimeSpan? expiry, List<string> refused)
    {
        try
        {
            return SuppressionEntry.Automatic(e.Recipient!, e.Tenant, e.Type == DeliveryEventType.Feedback ? SuppressionSource.Complaint : SuppressionSource.Bounce,
                ReasonOf(e), expiry);
        }
        catch (SuppressionException x)
        {
            refused.Add($"event {e.Id}: {x.Message}");
            return null;
        }
    }

    private static bool ShouldSuppress(DeliveryEvent e) =>
        e.Recipient is { Length: > 0 } && (e.Type == DeliveryEventType.Feedback || (e.BounceCategory is { } c && HardCategories.Contains(c)));

    private static string ReasonOf(DeliveryEvent e) => e.Type == DeliveryEventType.Feedback
        ? "complaint" + (e.ReplyText is { } text ? ": " + text : "")
        : $"{e.BounceCategory}: {e.ReplyCode} {e.EnhancedCode} {e.ReplyText}".Trim();
}
