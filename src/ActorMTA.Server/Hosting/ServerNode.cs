using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorMTA.Server.Admin;
using ActorMTA.Server.Checks;
using ActorMTA.Server.Checks.Dmarc;
using ActorMTA.Server.Checks.Rspamd;
using ActorMTA.Server.Checks.Signing;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Http;
using ActorMTA.Server.Inbound;
using ActorMTA.Server.Net;
using ActorMTA.Server.Routing;
using ActorMTA.Storage;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Content;
using ActorMTA.Storage.Space;
using ActorMTA.Storage.Suppression;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// One ActorMTA node: storage, the actor system joined to its cluster, the sharded entities and
/// the listeners. The host builds it; a graceful stop unwinds it in the reverse order.
/// </summary>
public sealed class ServerNode : IAsyncDisposable
{
    private readonly List<(string Name, IActorRef Listener)> _listeners = new();
    private Timer? _accountsRefresh;
    private Timer? _suppressionRefresh;
    private Timer? _suppressionPurge;
    private Timer? _orphanSweep;
    private AdminEndpoint? _admin;
    private HttpInjectEndpoint? _http;
    private Observability.MetricsEndpoint? _metrics;

    // One client for every webhook endpoint: it pools connections per endpoint itself.
    private static readonly HttpClient WebhookHttp = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
    private StorageSpace _space = StorageSpace.Unlimited;
    private int _stopping;

    private ServerNode(ServerSettings settings, ActorSystem system, AccountCache accounts, IContentStore content, ShardRegions regions, DeliveryServices delivery)
    {
        Delivery = delivery;
        Settings = settings;
        System = system;
        Accounts = accounts;
        Content = content;
        Regions = regions;
    }

    public ServerSettings Settings { get; }
    public ActorSystem System { get; }
    public AccountCache Accounts { get; }
    public IContentStore Content { get; }
    public ShardRegions Regions { get; }
    public DeliveryServices Delivery { get; }
    public RecipientRouter Router => Delivery.Router;

    /// <summary>The suppression list (actormta.suppression); null when it is off. The delivery path adds hard
    /// bounces and complaints with <see cref="SuppressionList.AddAsync"/>.</summary>
    public SuppressionList? Suppression { get; private set; }

    /// <summary>
    /// `actormta run`: start, serve until SIGTERM or Ctrl-C (SIGINT), then stop gracefully and return 0. This is
    /// the one owner of shutdown (Akka's own process-exit hook is off, see akka.conf): a second signal, or a stop
    /// that hangs well past the grace, ends the process at once with exit code 1 (acknowledged mail is on disk).
    /// </summary>
    public static async Task<int> RunUntilStoppedAsync(Config config, ServerSettings settings)
    {
        using var dataLock = DataDirectoryLock.Acquire(settings.DataDirectory);
        // Read once by the runtime when the first socket operation starts, so it is set before any socket exists.
        if (settings.InlineSocketCompletions)
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        var stop = new TaskCompletionSource<PosixSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (stop.TrySetResult(context.Signal)) return;
            Console.Error.WriteLine($"actormta: {context.Signal} again during shutdown: stopping at once");
            Environment.Exit(1);
        }
        // Registered before start-up, so a signal while the node starts is a graceful stop once it is up.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        var node = await StartAsync(config, settings);
        var removed = ClusterBootstrap.WhenRemovedAsync(node.System);
        await Task.WhenAny(stop.Task, removed);
        if (!stop.Task.IsCompleted)
        {
            // Downed by the other nodes (or the split brain resolver): a node without its shards must not live on
            // with open listeners. A non-zero exit lets the supervisor (systemd) start it again as a new member.
            node.System.Log.Error("This node was removed from the cluster: stopping with exit code {0}", RemovedExitCode);
            await node.StopAsync(TimeSpan.FromSeconds(5));
            return RemovedExitCode;
        }
        var signal = await stop.Task;
        var grace = settings.ShutdownGrace;
        node.System.Log.Info("Shutting down ({0}): no new connections, sessions finishing for up to {1}", signal, grace);
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine($"actormta: shutdown did not finish within {grace + StopOverrun} of {signal}: stopping at once");
            Environment.Exit(1);
        }, null, grace + StopOverrun, Timeout.InfiniteTimeSpan);
        await node.StopAsync(grace);
        return 0;
    }

    /// <summary>What a stop may take beyond the session grace (cutting sessions off, leaving the cluster, flushing
    /// storage) before the watchdog ends the process.</summary>
    private static readonly TimeSpan StopOverrun = TimeSpan.FromSeconds(60);

    /// <summary>Exit code of a node that the cluster downed or removed.</summary>
    public const int RemovedExitCode = 3;

    public static async Task<ServerNode> StartAsync(Config config, ServerSettings settings)
    {
        // Before anything is bound or opened: a misspelt shaping or egress key ends start-up with one line naming
        // it, rather than silently not limiting anything or failing at the first `ctl shaping show`.
        var (shaping, egress) = ReadShapingAndEgress(config);
        Directory.CreateDirectory(settings.DataDirectory);
        // Ports first: a port in use must end `run` before the cluster, journal and admin endpoint exist.
        var sockets = BindListeners(settings);
        try
        {
            ProbeHttpPort(HttpSettings.FromConfig(config));
        }
        catch
        {
            foreach (var socket in sockets.Values) socket.Dispose();
            throw;
        }
        try
        {
            return await StartWithSocketsAsync(config, settings, sockets, shaping, egress);
        }
        catch
        {
            foreach (var socket in sockets.Values) socket.Dispose();
            throw;
        }
    }

    /// <summary>actormta.shaping and actormta.egress, read and checked; any fault in them is a <see cref="ConfigurationException"/> naming the key.</summary>
    public static (ShapingSettings Shaping, EgressSettings Egress) ReadShapingAndEgress(Config config)
    {
        try
        {
            return (ShapingSettings.FromConfig(config), EgressSettings.FromConfig(config));
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            // FormatException from a rate or an action, ArgumentException from a bad match-text regex, ...
            throw new ConfigurationException($"invalid traffic shaping configuration: {e.Message}", e);
        }
    }

    private static async Task<ServerNode> StartWithSocketsAsync(Config config, ServerSettings settings, IReadOnlyDictionary<string, Socket> sockets,
        ShapingSettings shaping, EgressSettings egress)
    {
        var metrics = Observability.MetricsSettings.FromConfig(config);
        // Before the first session: the meter adapter sees only what is recorded after it starts listening.
        if (metrics.Enabled) Observability.MetricsEndpoint.ConfigureExport();
        var (accounts, content) = OpenStorage(config, settings);
        var space = new StorageSpace(StorageSpaceSettings.FromConfig(config, settings));
        if (space.Available < MinimumToStart)
        {
            space.Dispose();
            accounts.Dispose();
            (content as IDisposable)?.Dispose();
            throw new IOException($"cannot start: no space left on device for {settings.DataDirectory} ({space.Available} bytes free)");
        }
        // The remoting host and port are the operator's (akka.conf: 127.0.0.1 and any free port for one node).
        var akkaConfig = settings.Storage.Backend == StorageBackend.PostgreSql
            ? AkkaConfig.BuildForPostgres(config, settings.Storage.PostgresConnectionString, remotingPort: null)
            : AkkaConfig.Build(config, settings.JournalFile, settings.SnapshotFile, remotingPort: null);
        if (settings.Storage.Backend == StorageBackend.Embedded && (akkaConfig.GetStringList("akka.cluster.seed-nodes") ?? []).Count > 0)
        {
            // Entities move between nodes: with a journal and spool per node they would come up empty elsewhere.
            space.Dispose();
            accounts.Dispose();
            (content as IDisposable)?.Dispose();
            throw new ConfigurationException("akka.cluster.seed-nodes is set: a cluster of several nodes needs actormta.storage.backend = postgresql");
        }
        var system = ActorSystem.Create("actormta", akkaConfig);
        StoragePressure.Get(system).Space = space;
        if (settings.Storage.Backend == StorageBackend.PostgreSql)
            await JournalSchemaGate.EnsureAsync(system, settings.Storage.PostgresConnectionString, TimeSpan.FromSeconds(60));
        await ClusterBootstrap.JoinAsync(system);
        var deliverySettings = DeliverySettings.FromConfig(system.Settings.Config);
        var suppressionOptions = SuppressionSettings.FromConfig(system.Settings.Config);
        SuppressionList? suppression;
        try
        {
            suppression = suppressionOptions.Enabled ? new SuppressionList(SuppressionSettings.LocationFor(settings), suppressionOptions) : null;
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
        {
            await system.Terminate();
            space.Dispose();
            accounts.Dispose();
            (content as IDisposable)?.Dispose();
            throw new IOException($"cannot open the suppression list in {settings.DataDirectory}: {e.Message}", e);
        }
        var bounceRules = ActorMTA.Server.Delivery.Bounces.BounceRulesSettings.FromConfig(system.Settings.Config);
        // VERP return paths (when on) and feedback-loop addresses: written by the delivery agents, recognised by the router.
        var reports = new ReportAddresses(bounceRules, () => accounts.Current.PrimaryDomain);
        deliverySettings = deliverySettings with { ReturnPaths = reports };
        var router = new RecipientRouter(() => accounts.Current, deliverySettings) { Suppression = suppression, Reports = reports };
        var delivery = DeliveryServices.Create(deliverySettings, settings.HostName, router) with
        {
            Bounces = bounceRules.Classifier,
            Loops = new MailLoopGuard(settings.HostName, settings.Listeners
                .Where(l => l.Enabled && l.Protocol == ListenerProtocol.Smtp)
                .Select(l => new IPEndPoint(l.Bind, l.Port)).ToArray()),
            Shaping = shaping.Enforce ? new ShapingResolver(shaping) : null,
            Egress = egress,
        };
        var eventLog = EventLogSettings.FromConfig(system.Settings.Config, settings.DataDirectory);
        var webhooks = Observability.Webhooks.WebhookSettings.FromConfig(system.Settings.Config);
        if (eventLog.Enabled)
        {
            // Before the shard regions: an entity looks up the log when it starts.
            var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
            DeliveryEvents.Get(system).Start(system.ActorOf(EventLog.Open(eventLog, DeliveryEvents.Get(system).Durable), "event-log"), $"{self.Host}:{self.Port}",
                reply => bounceRules.Classifier.Classify(reply.Code, reply.EnhancedCode, string.Join(" ", reply.Lines)).ToString());
            DeliveryEvents.Get(system).Webhooks = webhooks
                .Select(w => system.ActorOf(Observability.Webhooks.WebhookShipper.Open(w, eventLog.Directory, WebhookHttp), "webhook-" + w.Name))
                .ToArray();
            // Hard bounces and complaints suppress their address: read from the log, so none is missed after a crash.
            if (suppression is { Options.Automatic: true }) system.ActorOf(SuppressionFeeder.Open(eventLog.Directory, suppression), "suppression-feeder");
        }
        else if (webhooks.Count > 0) throw new ConfigurationException("actormta.webhooks needs actormta.events.enabled = on: webhooks send the event log");
        var regions = ShardRegions.Start(system, content, delivery);
        var node = new ServerNode(settings, system, accounts, content, regions, delivery) { _space = space, Suppression = suppression };
        node.StartChecks(deliverySettings);
        node._accountsRefresh = new Timer(_ => node.RefreshAccounts(), null, settings.AccountsRefreshInterval, settings.AccountsRefreshInterval);
        if (suppression is not null)
        {
            node._suppressionRefresh = new Timer(_ => node.MaintainSuppression(list => list.RefreshIfChangedAsync()), null,
                suppressionOptions.RefreshInterval, suppressionOptions.RefreshInterval);
            node._suppressionPurge = new Timer(_ => node.MaintainSuppression(list => list.PurgeExpiredAsync()), null,
                suppressionOptions.PurgeInterval, suppressionOptions.PurgeInterval);
        }
        if (content is PostgresContentStore shared)
        {
            var interval = settings.Storage.OrphanSweepInterval;
            node._orphanSweep = new Timer(_ => SweepOrphans(system, shared, interval), null, TimeSpan.FromMinutes(1), interval);
        }
        try
        {
            node._admin = AdminEndpoint.Start(settings.DataDirectory, settings.AdminBind, settings.AdminPort, new AdminCommands(system, regions, accounts, router)
            {
                Suppression = suppression,
                Bounces = bounceRules.Classifier,
                DnsStatus = () => delivery.Mx.Servers.Current().Describe(),
                Checks = node._checks,
                Mx = delivery.Mx,
                Shaping = shaping,
                Egress = egress,
                SendThrottles = shaping.Enforce ? regions.SendThrottle : null,
            }, settings.AdminToken);
            var certificate = TlsCertificates.LoadOrCreate(settings);
            var services = node.StartListeners(certificate, sockets);
            var http = HttpSettings.FromConfig(system.Settings.Config);
            if (http.Enabled) node._http = await HttpInjectEndpoint.StartAsync(http, services, certificate, system.Log);
            if (metrics.Enabled) node._metrics = await Observability.MetricsEndpoint.StartAsync(metrics, system.Log);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        var dns = delivery.Mx.Servers.Current();
        if (dns.IsUsable) system.Log.Info("{0}", dns.Describe());
        else system.Log.Error("{0}; outbound mail waits in the queue (4.4.3) until a resolver is usable", dns.Describe());
        system.Log.Info("ActorMTA ready: node {0}, data dir {1}", Akka.Cluster.Cluster.Get(system).SelfAddress, settings.DataDirectory);
        return node;
    }

    // The journal and cluster bootstrap write at once; with less than this the node could not even come up.
    private const long MinimumToStart = 1024 * 1024;

    /// <summary>Bodies left without references (a node died inside a release) are deleted once they are old enough.</summary>
    private static void SweepOrphans(ActorSystem system, PostgresContentStore content, TimeSpan minimumAge)
    {
        try
        {
            var removed = content.SweepOrphans(minimumAge);
            if (removed > 0) system.Log.Info("content: {0} unreferenced bodies removed from PostgreSQL", removed);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or ObjectDisposedException or InvalidOperationException)
        {
            system.Log.Warning("content: orphan sweep failed, trying again later: {0}", e.Message);
        }
    }

    /// <summary>
    /// Accounts, spool and journal files. A storage fault here (a full disk, an unwritable directory) ends start-up
    /// with one line naming the data dir, not a stack trace.
    /// </summary>
    private static (AccountCache Accounts, IContentStore Content) OpenStorage(Config config, ServerSettings settings)
    {
        AccountCache? accounts = null;
        try
        {
            accounts = new AccountCache(settings.AccountStore, AccountSettings.FromConfig(config, settings));
            if (settings.Storage.Backend == StorageBackend.PostgreSql)
            {
                // The spool directory holds this node's temp files and read cache; the bodies are in PostgreSQL.
                var shared = new PostgresContentStore(new PostgresContentStoreOptions(settings.Storage.PostgresConnectionString,
                    settings.SpoolDirectory, settings.Storage.PostgresMaxBatch, SpareFiles: settings.SpareFiles));
                return (accounts, shared);
            }
            var content = new FileContentStore(new ContentStoreOptions(settings.SpoolDirectory, settings.GroupCommitMaxBatch, settings.GroupCommitParallelism) { SpareFiles = settings.SpareFiles });
            JournalDatabase.Prepare(settings.JournalFile);
            JournalDatabase.PrepareSnapshotStore(settings.SnapshotFile, settings.JournalFile);
            return (accounts, content);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
        {
            accounts?.Dispose();
            // SQLite reports a full disk as SQLITE_FULL, or as SQLITE_IOERR when its shared-memory file cannot grow.
            var reason = StorageErrors.IsOutOfSpace(e) || FreeBytes(settings.DataDirectory) < MinimumToStart
                ? $"no space left on device ({e.Message})"
                : e.Message;
            throw new IOException($"cannot open storage in {settings.DataDirectory}: {reason}", e);
        }
    }

    private static long FreeBytes(string directory)
    {
        try { return new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return long.MaxValue; }
    }

    // On a timer thread: an exception here would end the process. A System.Threading.Timer does not wait for the
    // previous tick, so a slow database (PostgreSQL under load) would pile blocked ticks up on the thread pool that
    // Akka's dispatcher needs too; a tick that finds a refresh running skips.
    private void RefreshAccounts()
    {
        if (Interlocked.Exchange(ref _refreshingAccounts, 1) == 1) return;
        try
        {
            Accounts.RefreshIfChanged();
            // `actormta dkim generate` writes the key files; the store picks new ones up on the same beat as accounts.
            _dkimKeys?.Reload();
        }
        catch (Exception e) when (e is global::System.Data.Common.DbException or IOException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            System.Log.Warning("accounts: reload failed, keeping the current accounts: {0}", e.Message);
        }
        finally
        {
            Volatile.Write(ref _refreshingAccounts, 0);
        }
    }

    private int _refreshingAccounts;
    private int _maintainingSuppression;

    // On a timer thread, like RefreshAccounts: a tick that finds the previous one running skips; a failure keeps
    // the current list and is logged.
    private void MaintainSuppression(Func<SuppressionList, Task> work)
    {
        if (Suppression is not { } list || Interlocked.Exchange(ref _maintainingSuppression, 1) == 1) return;
        work(list).ContinueWith(t =>
        {
            Volatile.Write(ref _maintainingSuppression, 0);
            if (t.Exception?.GetBaseException() is { } e && e is not ObjectDisposedException)
                System.Log.Warning("suppression: refresh failed, keeping the current list: {0}", e.Message);
        }, TaskScheduler.Default);
    }
    private InboundChecks? _checks;
    private SpamLearner? _learner;
    private GreylistClient? _greylist;
    private OutboundDkimSigner? _signer;
    private DkimKeyStore? _dkimKeys;
    private Timer? _dmarcReports;

    /// <summary>actormta.spam (inbound checks, greylisting, Rspamd) and actormta.dkim (signing), from the system's config.</summary>
    private void StartChecks(DeliverySettings delivery)
    {
        var config = System.Settings.Config;
        var spam = SpamSettings.FromConfig(config.GetConfig("actormta.spam"));
        if (spam.Enabled)
        {
            var reportDir = spam.DmarcReportDirectory.Length == 0 ? null
                : Path.IsPathRooted(spam.DmarcReportDirectory) ? spam.DmarcReportDirectory : Path.Combine(Settings.DataDirectory, spam.DmarcReportDirectory);
            var rspamd = spam.RspamdUrl is { } url
                ? new RspamdClient(new RspamdOptions(url, spam.RspamdControllerUrl, spam.RspamdPassword.Length > 0 ? spam.RspamdPassword : null, spam.RspamdTimeout,
                    (int)Math.Min(int.MaxValue, spam.MaxScanSize), spam.RspamdLearnTimeout))
                : null;
            var resolver = delivery.ResolverOptions();
            _checks = new InboundChecks(spam, Settings.HostName, DnsClientCheckDns.For(resolver), PublicSuffixList.Default, rspamd, null, reportDir);
            if (reportDir is not null)
            {
                var checks = _checks;
                _dmarcReports = new Timer(_ => _ = checks.FlushReportsAsync(CancellationToken.None).ContinueWith(t =>
                    System.Log.Warning("dmarc: report data not written: {0}", t.Exception?.GetBaseException().Message), TaskContinuationOptions.OnlyOnFaulted),
                    null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
            }
            if (rspamd is not null && spam.RspamdLearn) _learner = new SpamLearner(rspamd, Content, System.Log, _checks.Counters);
            System.Log.Info($"spam checks on: spf={spam.Spf} dkim={spam.Dkim} dmarc={spam.Dmarc} arc={spam.Arc} dns-lists={spam.DnsLists.Count} " +
                $"rspamd={spam.RspamdUrl?.ToString() ?? "off"} greeting-delay={spam.GreetingDelay}");
        }
        var greylisting = GreylistSettings.FromConfig(config);
        if (greylisting.Enabled) _greylist = GreylistClient.Create(System, Regions);
        _dkimKeys = DkimKeyStore.InDataDirectory(Settings.DataDirectory, DkimSettings.FromConfig(config));
        _signer = new OutboundDkimSigner(_dkimKeys);
    }

    private InboundServices StartListeners(X509Certificate2 certificate, IReadOnlyDictionary<string, Socket> sockets)
    {
        var services = new InboundServices(Settings, Accounts, Content, Regions.Mailbox, Regions.DomainQueue, certificate)
        {
            Router = Router, Delivery = Delivery, Space = _space, Events = DeliveryEvents.Get(System), Quota = Mailboxes.MailboxQuota.FromConfig(System.Settings.Config),
            Checks = _checks, Learner = _learner, Greylist = _greylist, Signer = _signer,
            MailboxCourier = Regions.MailboxCourier, DomainQueueCourier = Regions.DomainQueueCourier,
        };
        var (smtpLimiter, pop3Limiter, imapLimiter) = (services.SmtpConnections, services.Pop3Connections, services.ImapConnections);
        foreach (var listener in Settings.Listeners.Where(l => l.Enabled))
        {
            var socket = sockets[listener.Name];
            var endpoint = (IPEndPoint)socket.LocalEndPoint!;
            var (limiter, props, busy) = listener.Protocol switch
            {
                ListenerProtocol.Smtp => (smtpLimiter, (Func<Socket, IPEndPoint?, Props>)((s, client) => SmtpSession.Props(services, listener, s, client)),
                    $"421 4.7.0 {Settings.HostName} Too many connections, try again later\r\n"),
                ListenerProtocol.Pop3 => (pop3Limiter, (s, client) => Pop3Session.Props(services, listener, s, client),
                    "-ERR [SYS/TEMP] Too many connections, try again later\r\n"),
                ListenerProtocol.Imap => (imapLimiter, (s, client) => ImapSession.Props(services, listener, s, client),
                    "* BYE [UNAVAILABLE] Too many connections, try again later\r\n"),
                _ => throw new ConfigurationException($"listener {listener.Name}: protocol {listener.Protocol} is not served yet"),
            };
            var actor = System.ActorOf(Listener.Props(listener.Name, socket, limiter, props, Encoding.ASCII.GetBytes(busy),
                listener.ProxyProtocol ? Settings.ProxyProtocol : null), "listener-" + listener.Name);
            _listeners.Add((listener.Name, actor));
            System.Log.Info("Listening: {0} {1} on {2} (tls={3}{4}{5})", listener.Name, listener.Protocol.ToString().ToLowerInvariant(),
                endpoint, listener.Tls.ToString().ToLowerInvariant(), listener.Submission ? ", submission" : "", listener.ProxyProtocol ? ", proxy-protocol" : "");
        }
        return services;
    }

    private static Dictionary<string, Socket> BindListeners(ServerSettings settings)
    {
        var sockets = new Dictionary<string, Socket>(StringComparer.Ordinal);
        try
        {
            foreach (var listener in settings.Listeners.Where(l => l.Enabled)) sockets[listener.Name] = Bind(listener);
            return sockets;
        }
        catch
        {
            foreach (var socket in sockets.Values) socket.Dispose();
            throw;
        }
    }

    private static Socket Bind(ListenerSettings listener)
    {
        var socket = new Socket(listener.Bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowRebindWhileInTimeWait(socket);
            socket.Bind(new IPEndPoint(listener.Bind, listener.Port));
            socket.Listen(4096);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException($"cannot listen on {listener.Bind}:{listener.Port} for {listener.Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Kestrel binds the HTTP port itself, late in start-up; a port in use is found here first, so `run` ends
    /// before the cluster and journal exist, as for the other listeners (the port could still be taken in between:
    /// Kestrel's bind then fails start-up with the same message).
    /// </summary>
    private static void ProbeHttpPort(HttpSettings http)
    {
        if (!http.Enabled || http.Port == 0) return;
        using var probe = new Socket(http.Bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowRebindWhileInTimeWait(probe);
            probe.Bind(new IPEndPoint(http.Bind, http.Port));
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"cannot listen on {http.Bind}:{http.Port} for http: {e.Message}");
        }
    }

    /// <summary>
    /// SO_REUSEADDR only, so a restarted server binds again while old connections sit in TIME_WAIT. Not
    /// <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET sets SO_REUSEPORT with it too, which lets a
    /// second server bind the same port and the kernel split the connections between them. Windows needs
    /// neither (its SO_REUSEADDR would even allow stealing a bound port).
    /// </summary>
    private static void AllowRebindWhileInTimeWait(Socket socket)
    {
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(LinuxSolSocket, LinuxSoReuseAddr, BitConverter.GetBytes(1));
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            socket.SetRawSocketOption(BsdSolSocket, BsdSoReuseAddr, BitConverter.GetBytes(1));
    }

    private const int LinuxSolSocket = 1;
    private const int LinuxSoReuseAddr = 2;
    private const int BsdSolSocket = 0xffff;
    private const int BsdSoReuseAddr = 0x0004;

    /// <summary>Stop accepting, let sessions finish (or tell them 421), then leave the cluster and flush storage.</summary>
    public ValueTask DisposeAsync() => new(StopAsync(Settings.ShutdownGrace));

    /// <summary>
    /// The graceful stop: every listener closes at once (new connections are refused), idle sessions are told
    /// goodbye, sessions in the middle of an exchange get up to <paramref name="grace"/> to finish it (a message
    /// inside DATA gets its 250 and is stored), then the node leaves the cluster and storage is flushed.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1) return;
        foreach (var (_, listener) in _listeners) listener.Tell(new Listener.StopAccepting());
        // The listener cuts sessions off when the grace is over; the slack covers that and a busy machine.
        var drains = _listeners.Select(l => (Task)l.Listener.Ask<Listener.Drained>(new Listener.Drain(grace), grace + DrainSlack)).ToList();
        // Injection requests in progress finish (their replies wait for durable acceptance) within the same grace.
        if (_http is not null) drains.Add(_http.StopAsync(grace));
        try { await Task.WhenAll(drains); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { System.Log.Warning("Some sessions did not finish in time"); }
        _accountsRefresh?.Dispose();
        _suppressionRefresh?.Dispose();
        _suppressionPurge?.Dispose();
        _orphanSweep?.Dispose();
        _dmarcReports?.Dispose();
        if (_admin is not null) await _admin.DisposeAsync();
        if (_http is not null) await _http.DisposeAsync();
        if (_metrics is not null) await _metrics.DisposeAsync();
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await System.WhenTerminated;
        _space.Dispose();
        (Content as IDisposable)?.Dispose();
        Accounts.Dispose();
        Suppression?.Dispose();
    }

    private static readonly TimeSpan DrainSlack = TimeSpan.FromSeconds(10);
}
