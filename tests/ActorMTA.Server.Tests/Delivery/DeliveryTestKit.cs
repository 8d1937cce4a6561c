using System.Globalization;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Routing;
using ActorMTA.Server.Tests.Support;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Content;
using ActorMTA.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Delivery;

/// <summary>
/// A one-node cluster like <see cref="EntityTestKit"/>, but with delivering domain queues: a real spool
/// (FileContentStore), DNS from the shared dnsmasq, and four scripted SMTP receivers on 127.0.0.2-5 sharing
/// one port (remote-smtp-port). "local.test" is the local domain, so bounces to alice@local.test land in her mailbox.
/// </summary>
public abstract class DeliveryTestKit : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    public const string LocalDomain = "local.test";
    public const string Sender = "alice@local.test";

    // Short everything, so that retries, backoffs and timeouts happen within a test.
    private const string TestDefaults = """
        actormta.hostname = "mta.local.test"
        actormta.delivery {
          retry-schedule = [200ms, 400ms]
          retry-jitter = 0
          domain-backoff = 300ms
          connect-timeout = 2s
          command-timeout = 5s
          data-timeout = 5s
          dns-timeout = 2s
          delay-warning-after = 0
          bounce-timeout = 10s
        }
        """;

    private readonly TempDirectory _temp;
    private readonly Config _actorMta;
    private readonly string _overrides;

    protected DeliveryTestKit(ITestOutputHelper output, DeliveryZoneFixture zone, string? overrides = null)
        : this(new TempDirectory(), ScriptedSmtpReceiver.StartGroup(DeliveryZoneFixture.ReceiverAddresses), output, zone, overrides ?? "") { }

    private DeliveryTestKit(TempDirectory temp, IReadOnlyList<ScriptedSmtpReceiver> receivers, ITestOutputHelper output, DeliveryZoneFixture zone, string overrides)
        : base(NodeConfig.For(Path.Combine(temp.Path, "journal.db"), Overrides(receivers, zone, overrides)), "actormta", output)
    {
        _temp = temp;
        Receivers = receivers;
        Zone = zone;
        _overrides = Overrides(receivers, zone, overrides);
        _actorMta = NodeConfig.ActorMta(_overrides);
        Content = new FileContentStore(Path.Combine(temp.Path, "spool"));
    }

    private static string Overrides(IReadOnlyList<ScriptedSmtpReceiver> receivers, DeliveryZoneFixture zone, string overrides) =>
        // Later keys win: the test's own overrides come last.
        TestDefaults + "\n" + $"""
            actormta.delivery.dns-servers = ["{zone.Dns.EndPoint}"]
            actormta.delivery.remote-smtp-port = {receivers[0].Port.ToString(CultureInfo.InvariantCulture)}
            """ + "\n" + overrides;

    protected IReadOnlyList<ScriptedSmtpReceiver> Receivers { get; }

    protected DeliveryZoneFixture Zone { get; }

    protected FileContentStore Content { get; }

    protected string JournalFile => Path.Combine(_temp.Path, "journal.db");

    protected string SpoolDirectory => Path.Combine(_temp.Path, "spool");

    protected ShardRegions Regions { get; private set; } = null!;

    protected DeliverySettings Settings => DeliverySettings.FromConfig(_actorMta) with { ReturnPaths = ReturnPaths };

    /// <summary>VERP return paths and report addresses (actormta.bounces), as the node builds them over the local domain.</summary>
    protected ReportAddresses ReturnPaths => new(ActorMTA.Server.Delivery.Bounces.BounceRulesSettings.FromConfig(_actorMta), () => LocalDomain);

    public async Task InitializeAsync()
    {
        await ClusterBootstrap.JoinSelfAsync(Sys).WaitAsync(TimeSpan.FromSeconds(20));
        Regions = ShardRegions.Start(Sys, Content, Services());
    }

    protected DeliveryServices Services() => DeliveryServices.Create(
        Settings, "mta.local.test",
        new RecipientRouter(() => AccountSnapshot.Create([LocalDomain], [Sender]), Settings));

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Stores <paramref name="body"/> in the spool and queues it (the way the SMTP session does); waits for the ack.</summary>
    protected string Enqueue(string domain, string body, string? queueId = null, string sender = Sender, ShardRegions? regions = null, MessageTags? tags = null,
        params string[] recipients)
    {
        queueId ??= "M" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        var reference = Store(queueId, body);
        var rcpts = recipients.Length == 0 ? ["bob@" + domain] : recipients;
        var queueName = QueuePartitions.QueueNameFor(domain, queueId, Settings.ThrottleFor(domain).Partitions);
        (regions ?? Regions).DomainQueue.Ask<DeliveryEnqueued>(
            new EnqueueDelivery(queueName, queueId, reference, sender, rcpts, body.Length, DateTimeOffset.UtcNow, 1) { Tags = tags ?? MessageTags.None },
            TimeSpan.FromSeconds(20))
            .GetAwaiter().GetResult();
        return queueId;
    }

    protected string Store(string queueId, string body)
    {
        var writer = Content.BeginWrite(queueId);
        writer.Stream.Write(System.Text.Encoding.UTF8.GetBytes(body));
        return Content.CommitAsync(writer, 1).GetAwaiter().GetResult()[0];
    }

    protected static string Message(string subject, string body = "Hello.\r\n") =>
        $"From: Alice <{Sender}>\r\nTo: Bob <bob@example.test>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@local.test>\r\n\r\n{body}";

    protected QueueStatus Status(string queueName, ShardRegions? regions = null) =>
        (regions ?? Regions).DomainQueue.Ask<QueueStatus>(new GetQueueStatus(queueName), TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();

    protected async Task WaitForEmptyQueueAsync(string queueName, TimeSpan timeout, ShardRegions? regions = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Status(queueName, regions).Pending > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"queue {queueName} still holds {Status(queueName, regions).Pending} messages");
            await Task.Delay(50);
        }
    }

    protected Maildrop Mailbox(string address, ShardRegions? regions = null) =>
        (regions ?? Regions).Mailbox.Ask<Maildrop>(new GetMaildrop(address), TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();

    protected async Task<Maildrop> WaitForMailAsync(string address, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var drop = Mailbox(address);
            if (drop.Messages.Count >= count) return drop;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{address} has {drop.Messages.Count} messages, expected {count}");
            await Task.Delay(50);
        }
    }

    /// <summary>Content files left in the spool (references held by queues and mailboxes; not temp or empty spare files).</summary>
    protected int SpoolFiles() =>
        Directory.EnumerateFiles(SpoolDirectory, "*", SearchOption.AllDirectories)
            .Count(f => Path.GetRelativePath(SpoolDirectory, f).Split(Path.DirectorySeparatorChar)[0] is not ("tmp" or "spare"));

    /// <summary>Stops the actor system and starts a new one on the same journal and spool, delivery included.</summary>
    protected async Task<RestartedNode> RestartAsync()
    {
        await Sys.Terminate();
        var system = ActorSystem.Create("actormta", NodeConfig.For(JournalFile, _overrides).WithFallback(DefaultConfig));
        try
        {
            await ClusterBootstrap.JoinSelfAsync(system).WaitAsync(TimeSpan.FromSeconds(20));
            return new RestartedNode(system, ShardRegions.Start(system, Content, Services()));
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var receiver in Receivers) receiver.Dispose();
        Content.Dispose();
        _temp.Dispose();
    }
}
