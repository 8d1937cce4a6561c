using System.Net;
using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

public sealed record SmtpLimits(
    long MaxMessageSize, int MaxRecipients, int MaxLineLength, int MaxHeaderSize,
    int MaxConnections, int MaxConnectionsPerIp, TimeSpan CommandTimeout, TimeSpan DataTimeout,
    bool AuthRequiresTls, TimeSpan AuthFailureDelay, int MaxAuthFailures, TimeSpan AcceptTimeout, int MaxCommands,
    IReadOnlyList<IPNetwork> RelayNetworks)
{
    /// <summary>A message whose header already has more Received: fields is refused (554 5.4.6), like
    /// Postfix's hopcount_limit: it is looping.</summary>
    public int MaxHops { get; init; } = 50;

    /// <summary>What to do with a bare CR or LF in message content (smtpd_forbid_bare_newline).</summary>
    public BareNewlinePolicy BareNewlines { get; init; } = BareNewlinePolicy.Reject;

    /// <summary>Minimum data rate and the shorter deadlines under stress.</summary>
    public StressDeadlines Deadlines { get; init; } = StressDeadlines.Default;

    /// <summary>Errors (bad commands, refused recipients) after which each error reply is delayed by <see cref="ErrorDelay"/>.</summary>
    public int SoftErrorLimit { get; init; } = 10;

    /// <summary>The error that reaches this count ends the session with 421 4.7.0.</summary>
    public int HardErrorLimit { get; init; } = 20;

    public TimeSpan ErrorDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Clients in these networks may send mail to non-local domains without AUTH (Postfix's mynetworks).</summary>
    public bool MayRelay(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        foreach (var network in RelayNetworks)
            if (network.Contains(client)) return true;
        return false;
    }
}

public sealed record Pop3Limits(
    TimeSpan CommandTimeout, bool AuthRequiresTls, TimeSpan AuthFailureDelay, int MaxAuthFailures,
    int MaxLineLength, int MaxConnections, int MaxConnectionsPerIp)
{
    /// <summary>The -ERR answer that reaches this count of bad commands ends the session.</summary>
    public int MaxBadCommands { get; init; } = 20;

    public StressDeadlines Deadlines { get; init; } = StressDeadlines.Default;
}

/// <summary>The actormta.imap section: timeouts, login policy and the size limits of commands and APPEND literals.</summary>
public sealed record ImapLimits(
    TimeSpan CommandTimeout, TimeSpan IdleTimeout, bool AuthRequiresTls, TimeSpan AuthFailureDelay, int MaxAuthFailures,
    int MaxLineLength, long MaxLiteralSize, long MaxCommandSize, int MaxConnections, int MaxConnectionsPerIp)
{
    /// <summary>The BAD answer that reaches this count ends the session with BYE.</summary>
    public int MaxBadCommands { get; init; } = 20;

    /// <summary>Largest literal accepted before login; larger ones are refused without reading them.</summary>
    public long MaxLiteralBeforeAuth { get; init; } = 8192;

    public StressDeadlines Deadlines { get; init; } = StressDeadlines.Default;
}

/// <summary>The actormta { } section of the configuration, read once at start-up.</summary>
public sealed record ServerSettings(
    string HostName,
    string DataDirectory,
    IReadOnlyList<ListenerSettings> Listeners,
    SmtpLimits Smtp,
    Pop3Limits Pop3,
    ImapLimits Imap,
    string TlsCertificate,
    string TlsCertificatePassword,
    TimeSpan TlsHandshakeTimeout,
    string SpoolDirectory,
    string JournalFile,
    string SnapshotFile,
    string AccountsFile,
    int GroupCommitMaxBatch,
    int GroupCommitParallelism,
    int SpareFiles,
    int Pbkdf2Iterations,
    TimeSpan AccountsRefreshInterval,
    IPAddress AdminBind,
    int AdminPort,
    bool InlineSocketCompletions)
{
    /// <summary>On SIGTERM, how long sessions inside DATA/BDAT (or a command) may take to finish before they are cut off.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>actormta.storage.backend and its postgresql block.</summary>
    public StorageBackendSettings Storage { get; init; } = StorageBackendSettings.Embedded;

    /// <summary>Users, domains and aliases: accounts.db, or the PostgreSQL of the postgresql backend.</summary>
    public ActorMTA.Storage.Accounts.AccountStoreLocation AccountStore => Storage.Backend == StorageBackend.PostgreSql
        ? ActorMTA.Storage.Accounts.AccountStoreLocation.Postgres(Storage.PostgresConnectionString)
        : ActorMTA.Storage.Accounts.AccountStoreLocation.Sqlite(AccountsFile);

    /// <summary>actormta.admin.token: the ctl access token every node of a cluster shares; empty: a random one per start.</summary>
    public string AdminToken { get; init; } = "";

    /// <summary>actormta.proxy-protocol, for listeners with proxy-protocol = on.</summary>
    public ProxyProtocolSettings ProxyProtocol { get; init; } = ProxyProtocolSettings.None;

    private static int AtLeastOne(int value, string key) =>
        value >= 1 ? value : throw new ConfigurationException($"{key} must be at least 1");

    public static ServerSettings FromConfig(Config root, string? dataDirOverride = null)
    {
        var c = root.GetConfig("actormta") ?? throw new ConfigurationException("missing actormta section");
        var dataDir = Path.GetFullPath(dataDirOverride ?? c.GetString("data-dir", "data"));
        string UnderData(string path) => Path.IsPathRooted(path) ? path : Path.Combine(dataDir, path);
        var storage = StorageBackendSettings.FromConfig(c.GetConfig("storage"));

        var listeners = new List<ListenerSettings>();
        var listenersConfig = c.GetConfig("listeners");
        if (listenersConfig is not null)
        {
            foreach (var entry in listenersConfig.AsEnumerable().Select(kv => kv.Key.Split('.')[0]).Distinct())
            {
                var l = listenersConfig.GetConfig(entry);
                listeners.Add(new ListenerSettings(
                    entry,
                    Enum.Parse<ListenerProtocol>(l.GetString("protocol"), ignoreCase: true),
                    IPAddress.Parse(l.GetString("bind", "127.0.0.1")),
                    l.GetInt("port"),
                    l.GetString("tls", "none").ToLowerInvariant() switch
                    {
                        "none" => TlsMode.None,
                        "starttls" => TlsMode.StartTls,
                        "implicit" => TlsMode.Implicit,
                        var other => throw new ConfigurationException($"listener {entry}: unknown tls mode '{other}'"),
                    },
                    l.GetBoolean("submission", false),
                    l.GetBoolean("enabled", true)) { ProxyProtocol = l.GetBoolean("proxy-protocol", false) });
            }
        }

        var s = c.GetConfig("smtp");
        var p = c.GetConfig("pop3");
        var i = c.GetConfig("imap");
        var st = c.GetConfig("storage");
        return new ServerSettings(
            c.GetString("hostname", "mail.localhost"),
            dataDir,
            listeners,
            new SmtpLimits(
                s.GetLong("max-message-size"), s.GetInt("max-recipients"), s.GetInt("max-line-length"), s.GetInt("max-header-size"),
                s.GetInt("max-connections"), s.GetInt("max-connections-per-ip"),
                s.GetTimeSpan("command-timeout"), s.GetTimeSpan("data-timeout"),
                s.GetBoolean("auth-requires-tls"), s.GetTimeSpan("auth-failure-delay"), s.GetInt("max-auth-failures"),
                s.GetTimeSpan("accept-timeout"), s.GetInt("max-commands"),
                (s.GetStringList("relay-networks") ?? []).Select(n => IPNetwork.Parse(n)).ToArray())
            {
                MaxHops = s.GetInt("max-hops", 50) is var hops and > 0
                    ? hops
                    : throw new ConfigurationException("actormta.smtp.max-hops must be at least 1"),
                BareNewlines = s.GetString("bare-newlines", "reject").ToLowerInvariant() switch
                {
                    "reject" => BareNewlinePolicy.Reject,
                    "normalize" => BareNewlinePolicy.Normalize,
                    var other => throw new ConfigurationException($"actormta.smtp.bare-newlines: unknown value '{other}' (reject | normalize)"),
                },
                Deadlines = StressDeadlines.FromConfig(s),
                SoftErrorLimit = AtLeastOne(s.GetInt("soft-error-limit", 10), "actormta.smtp.soft-error-limit"),
                HardErrorLimit = AtLeastOne(s.GetInt("hard-error-limit", 20), "actormta.smtp.hard-error-limit"),
                ErrorDelay = s.GetTimeSpan("error-delay", TimeSpan.FromSeconds(1)),
            },
            new Pop3Limits(
                p.GetTimeSpan("command-timeout"), p.GetBoolean("auth-requires-tls"), p.GetTimeSpan("auth-failure-delay"),
                p.GetInt("max-auth-failures"), p.GetInt("max-line-length"), p.GetInt("max-connections"), p.GetInt("max-connections-per-ip"))
            {
                MaxBadCommands = AtLeastOne(p.GetInt("max-bad-commands", 20), "actormta.pop3.max-bad-commands"),
                Deadlines = StressDeadlines.FromConfig(p),
            },
            new ImapLimits(
                i.GetTimeSpan("command-timeout"), i.GetTimeSpan("idle-timeout"), i.GetBoolean("auth-requires-tls"),
                i.GetTimeSpan("auth-failure-delay"), i.GetInt("max-auth-failures"), i.GetInt("max-line-length"),
                i.GetLong("max-literal-size"), i.GetLong("max-command-size"), i.GetInt("max-connections"), i.GetInt("max-connections-per-ip"))
            {
                MaxBadCommands = AtLeastOne(i.GetInt("max-bad-commands", 20), "actormta.imap.max-bad-commands"),
                MaxLiteralBeforeAuth = i.GetLong("max-literal-before-auth", 8192) is var preAuth and >= 0
                    ? preAuth
                    : throw new ConfigurationException("actormta.imap.max-literal-before-auth must not be negative"),
                Deadlines = StressDeadlines.FromConfig(i),
            },
            c.GetString("tls.certificate", ""),
            c.GetString("tls.certificate-password", ""),
            c.GetTimeSpan("tls.handshake-timeout", TimeSpan.FromSeconds(30)),
            UnderData(st.GetString("spool-dir")),
            UnderData(st.GetString("journal-file")),
            UnderData(st.GetString("snapshot-file")),
            UnderData(st.GetString("accounts-file")),
            st.GetInt("group-commit-max-batch"),
            st.GetInt("group-commit-parallelism"),
            st.GetInt("spare-files", 1024),
            c.GetInt("accounts.pbkdf2-iterations"),
            c.GetTimeSpan("accounts.refresh-interval"),
            IPAddress.Parse(c.GetString("admin.bind", "127.0.0.1")),
            c.GetInt("admin.port", 0),
            ReadInlineSocketCompletions(c, storage.Backend == StorageBackend.PostgreSql))
        {
            ShutdownGrace = c.GetTimeSpan("shutdown-grace", TimeSpan.FromSeconds(30)),
            AdminToken = ReadAdminToken(c),
            ProxyProtocol = ReadProxyProtocol(c, listeners),
            Storage = storage,
        };
    }

    /// <summary>
    /// auto: on for the embedded backend, off for postgresql. Npgsql's blocking calls (content reads, account
    /// reloads) wait for a socket completion; run inline, that completion needs the very epoll thread the caller
    /// may be blocking, so the call hangs until its command timeout and every socket on that thread (cluster
    /// remoting included) stalls with it. Seen as POP3 RETR without a reply and as nodes downed for unreachability.
    /// </summary>
    private static bool ReadInlineSocketCompletions(Config c, bool postgres)
    {
        return (c.GetString("io.inline-socket-completions", "auto") ?? "auto").ToLowerInvariant() switch
        {
            "auto" => !postgres,
            "on" or "true" or "yes" when postgres => throw new ConfigurationException(
                "actormta.io.inline-socket-completions = on cannot be used with the postgresql storage backend (its blocking reads would stall the socket threads); use auto"),
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            var other => throw new ConfigurationException($"actormta.io.inline-socket-completions must be auto, on or off, not '{other}'"),
        };
    }

    private static string ReadAdminToken(Config c)
    {
        var token = c.GetString("admin.token", "") ?? "";
        // A guessable token on an endpoint that can down members would be worse than none.
        if (token.Length is > 0 and < 32) throw new ConfigurationException("actormta.admin.token must be at least 32 characters (or empty for a random one)");
        return token;
    }

    private static ProxyProtocolSettings ReadProxyProtocol(Config c, IReadOnlyList<ListenerSettings> listeners)
    {
        var trusted = (c.GetStringList("proxy-protocol.trusted-networks") ?? []).Select(n => IPNetwork.Parse(n)).ToArray();
        // Fail at start rather than refuse every connection of a listener nobody may talk to.
        if (trusted.Length == 0 && listeners.FirstOrDefault(l => l.Enabled && l.ProxyProtocol) is { } orphan)
            throw new ConfigurationException($"listener {orphan.Name}: proxy-protocol = on needs actormta.proxy-protocol.trusted-networks");
        return new ProxyProtocolSettings(trusted, c.GetTimeSpan("proxy-protocol.header-timeout", TimeSpan.FromSeconds(5)));
    }
}
