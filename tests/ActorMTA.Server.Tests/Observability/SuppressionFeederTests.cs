using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Tests.Support;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Suppression;
using Xunit;
using static ActorMTA.Server.Tests.Observability.ReportSamples;

namespace ActorMTA.Server.Tests.Observability;

/// <summary>
/// The suppression feeder over a real event log and a real SQLite list: the events of reports at a tenant's VERP
/// address (written as the SMTP session writes them) put their address on that tenant's list, not the global one;
/// an event whose address or tenant the list refuses is passed over instead of holding up the ones after it.
/// </summary>
public sealed class SuppressionFeederTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly EventLogSettings _settings;
    private readonly SuppressionList _list;

    public SuppressionFeederTests()
    {
        _settings = new EventLogSettings(true, Path.Combine(_temp.Path, "events"), 64 * 1024 * 1024, TimeSpan.FromHours(1), Compress: true, TimeSpan.FromDays(30));
        _list = new SuppressionList(AccountStoreLocation.Sqlite(Path.Combine(_temp.Path, "suppression.db")));
    }

    public new void Dispose()
    {
        // The actor system first: the feeder may be writing to the list.
        base.Dispose();
        _list.Dispose();
        _temp.Dispose();
    }

    /// <summary>As the SMTP session writes a report's events: one producer per report, one entry per event.</summary>
    private void Append(Akka.Actor.IActorRef log, string reportQueueId, IReadOnlyList<DeliveryEvent> events)
    {
        var producer = ReportEvents.ProducerOf(reportQueueId);
        log.Tell(new AppendEvents(producer, events.Select((e, i) => new OutboxEntry(i + 1, [e.ToJsonLine()])).ToArray()), TestActor);
        ExpectMsg<EventsWritten>(w => w.Producer == producer, TimeSpan.FromSeconds(10));
    }

    private void AwaitSuppressed(string address, string tenant) =>
        AwaitCondition(() => _list.IsSuppressed(address, tenant), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task An_async_bounce_and_a_complaint_about_a_tenants_mail_go_on_that_tenants_list_not_the_global_one()
    {
        var log = Sys.ActorOf(EventLog.Open(_settings));
        var bounceReturnPath = Addresses.ReturnPathFor("alice@local.test", "01JQUEUE01", "gone@remote.example", "acme");
        var complaintReturnPath = Addresses.ReturnPathFor("alice@local.test", "01JQUEUE02", "annoyed@yahoo.example", "acme");
        var now = DateTimeOffset.UtcNow;
        Append(log, "01JREPORT01", ReportEvents.From(Load(Dsn("gone@remote.example", to: bounceReturnPath)), [To(bounceReturnPath)], "01JREPORT01", Bounces,
            Addresses, "mta.local.test", now));
        Append(log, "01JREPORT02", ReportEvents.From(Load(Arf(complaintReturnPath, "annoyed@yahoo.example")), [To("fbl@local.test")], "01JREPORT02", Bounces,
            Addresses, "mta.local.test", now));

        Sys.ActorOf(SuppressionFeeder.Open(_settings.Directory, _list));

        AwaitSuppressed("gone@remote.example", "acme");
        AwaitSuppressed("annoyed@yahoo.example", "acme");
        // The tenant's list only: other tenants' mail and mail without a tenant still go to these addresses.
        Assert.False(_list.IsSuppressed("gone@remote.example"));
        Assert.False(_list.IsSuppressed("gone@remote.example", "other"));
        Assert.False(_list.IsSuppressed("annoyed@yahoo.example"));
        var bounce = await _list.FindAsync("gone@remote.example", "acme");
        Assert.Equal("acme", bounce!.Tenant);
        Assert.Equal(SuppressionSource.Bounce, bounce.Source);
        var complaint = await _list.FindAsync("annoyed@yahoo.example", "acme");
        Assert.Equal("acme", complaint!.Tenant);
        Assert.Equal(SuppressionSource.Complaint, complaint.Source);
    }

    [Fact]
    public void A_bounce_of_mail_sent_without_a_tenant_goes_on_the_global_list()
    {
        var log = Sys.ActorOf(EventLog.Open(_settings));
        var returnPath = Addresses.ReturnPathFor("alice@local.test", "01JQUEUE03", "gone@remote.example");
        Append(log, "01JREPORT03", ReportEvents.From(Load(Dsn("gone@remote.example", to: returnPath)), [To(returnPath)], "01JREPORT03", Bounces,
            Addresses, "mta.local.test", DateTimeOffset.UtcNow));

        Sys.ActorOf(SuppressionFeeder.Open(_settings.Directory, _list));

        AwaitCondition(() => _list.IsSuppressed("gone@remote.example"), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void An_event_the_list_cannot_store_is_passed_over_and_the_ones_after_it_are_still_added()
    {
        var log = Sys.ActorOf(EventLog.Open(_settings));
        DeliveryEvent Bounce(int sequence, string recipient, string? tenant) => new()
        {
            Id = EventIds.Of(ReportEvents.ProducerOf("01JREPORT04"), sequence, 0), Type = DeliveryEventType.Bounce, Time = DateTimeOffset.UtcNow,
            Recipient = recipient, Tenant = tenant, BounceCategory = "InvalidRecipient", BounceSource = ReportEvents.AsyncSource,
        };
        // A DSN naming no address, and a forged return path whose tenant ("a,b" escaped) the list refuses.
        Append(log, "01JREPORT04", [Bounce(1, "garbage", null), Bounce(2, "bob@remote.example", "a,b"), Bounce(3, "carol@remote.example", "acme")]);

        Sys.ActorOf(SuppressionFeeder.Open(_settings.Directory, _list));

        AwaitSuppressed("carol@remote.example", "acme");
        Assert.False(_list.IsSuppressed("bob@remote.example", "a,b"));
        Assert.Equal(1, _list.Count);
    }
}
