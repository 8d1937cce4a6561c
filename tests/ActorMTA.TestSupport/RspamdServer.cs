using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorMTA.TestSupport;

/// <summary>
/// A real Rspamd (Debian's package) on 127.0.0.1: a normal worker at <see cref="Url"/> and a controller at
/// <see cref="ControllerUrl"/>, both on free ports, in a temp directory of its own. Installs the package when missing
/// and keeps the packaged service stopped and disabled. The configuration is the system one with local overrides
/// (see <see cref="WriteConfig"/>): Bayes in a private Redis on a Unix socket (<see cref="BayesRedis"/>), no network (DNS points at a closed loopback port,
/// modules that fetch remote maps or ask remote servers are off), console logging captured in <see cref="LogLines"/>.
/// Dispose kills it.
/// </summary>
public sealed class RspamdServer : IAsyncDisposable, IDisposable
{
    /// <summary>The controller password; Rspamd is configured with its hash, so a wrong one is refused.</summary>
    public const string ControllerPassword = "actormta-rspamd-test";

    /// <summary>A Settings-ID this server knows: it raises the reject threshold to 1000 (so it shows as the
    /// reply's required_score), which proves the header reached Rspamd.</summary>
    public const string LenientSettingsId = "actormta-lenient";

    // `rspamadm pw -p actormta-rspamd-test`, computed once offline: rspamadm initialises a resolver from
    // resolv.conf, which would reach beyond loopback, so it is not run by the tests.
    private const string ControllerPasswordHash =
        "$2$h4uk89b9izo96d8buwnw9na1z7wycyuk$87irmh9hxxwwd3kcmokh6tsqa11dqddk486h5srfmn1p1g5szhab";

    private static readonly string[] BinaryCandidates = ["/usr/bin/rspamd", "/usr/sbin/rspamd"];
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    // Starts go one at a time: the first start on a machine compiles Rspamd's TLD list and regexps into the shared
    // Hyperscan cache (~12 s of a core), and a second one started meanwhile would compile it all again beside it.
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private const int StartAttempts = 5;

    // Modules that would ask servers on the internet (fuzzy hashes, DNS blocklists, ASN) or fetch remote maps;
    // with DNS pointing nowhere they would only add timeouts and noise.
    private static readonly string[] DisabledModules = ["fuzzy_check", "rbl", "phishing", "multimap", "whitelist", "asn"];

    private readonly Process _process;
    private readonly BayesRedis _redis;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _log;

    private RspamdServer(Process process, BayesRedis redis, string directory, ConcurrentQueue<string> log, int normalPort, int controllerPort)
    {
        _process = process;
        _redis = redis;
        _directory = directory;
        _log = log;
        Url = new Uri($"http://127.0.0.1:{normalPort}/");
        ControllerUrl = new Uri($"http://127.0.0.1:{controllerPort}/");
    }

    /// <summary>The normal worker (scanning: /checkv2).</summary>
    public Uri Url { get; }

    /// <summary>The controller (learning: /learnspam, /learnham); wants <see cref="Password"/>.</summary>
    public Uri ControllerUrl { get; }

    public string Password => ControllerPassword;

    /// <summary>Everything Rspamd logged so far. Each scanned message logs one line like
    /// "id: &lt;mid&gt;, qid: &lt;Q1&gt;, ip: 192.0.2.1, user: u, from: &lt;a@b&gt;, (...) ..., rcpts: &lt;c@d&gt;".</summary>
    public IReadOnlyList<string> LogLines => _log.ToArray();

    /// <summary>Waits until a logged line satisfies <paramref name="match"/> (the task line trails the HTTP reply).</summary>
    public async Task<string> WaitForLogLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var line = _log.FirstOrDefault(match);
            if (line is not null)
                return line;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("no such line in the Rspamd log; last lines: " + string.Join(" | ", _log.TakeLast(20)));
            await Task.Delay(20);
        }
    }

    public static async Task<RspamdServer> StartAsync()
    {
        var binary = await EnsureInstalledAsync();
        var directory = Path.Combine(Path.GetTempPath(), "actormta-rspamd-" + Guid.NewGuid().ToString("N"));
        var redis = await BayesRedis.StartAsync(directory);
        Exception? lastError = null;
        // Free ports are found by binding and releasing them, so another process can take one in between; Rspamd
        // then fails to bind and a new pair is tried.
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var normalPort = FreeTcpPort();
            int controllerPort;
            do controllerPort = FreeTcpPort(); while (controllerPort == normalPort);
            WriteConfig(directory, normalPort, controllerPort, redis.SocketPath);
            var log = new ConcurrentQueue<string>();
            await StartLock.WaitAsync();
            var process = Launch(binary, directory, log);
            try
            {
                await WaitUntilAnsweringAsync(process, log, normalPort, controllerPort);
                return new RspamdServer(process, redis, directory, log, normalPort, controllerPort);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                lastError = ex;
                HelperProcess.Kill(process);
            }
            finally
            {
                StartLock.Release();
            }
        }
        redis.Dispose();
        HelperProcess.TryDeleteDirectory(directory);
        throw new InvalidOperationException($"rspamd did not start after {StartAttempts} attempts", lastError);
    }

    /// <summary>
    /// Writes the configuration into <paramref name="directory"/>, which Rspamd is started with as its
    /// LOCAL_CONFDIR, DBDIR, RUNDIR and LOGDIR. The top file replaces /etc/rspamd/rspamd.conf (to choose the
    /// workers and their sockets) but includes the packaged common.conf, so all rules, scores and modules are the
    /// distribution's; local.d/ and override.d/ in the directory then adjust them the documented way.
    /// </summary>
    private static void WriteConfig(string directory, int normalPort, int controllerPort, string redisSocket)
    {
        foreach (var sub in new[] { "local.d", "override.d", "db", "run", "log" })
            Directory.CreateDirectory(Path.Combine(directory, sub));

        File.WriteAllText(Path.Combine(directory, "rspamd.conf"), $$"""
            .include "$CONFDIR/common.conf"

            options {
                pidfile = "$RUNDIR/rspamd.pid";
                .include "$CONFDIR/options.inc"
                .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
            }

            logging {
                type = "console";
                .include "$CONFDIR/logging.inc"
                .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/logging.inc"
            }

            worker "normal" {
                bind_socket = "127.0.0.1:{{normalPort}}";
                .include "$CONFDIR/worker-normal.inc"
                count = 1;
            }

            worker "controller" {
                bind_socket = "127.0.0.1:{{controllerPort}}";
                count = 1;
                password = "{{ControllerPasswordHash}}";
                enable_password = "{{ControllerPasswordHash}}";
            }
            """);

        // DNS goes to the loopback discard port, where nothing listens, with short timeouts: SPF, DMARC and HELO checks then
        // fail fast (R_SPF_DNSFAIL ...) instead of holding every scan for seconds, and no query leaves the machine.
        // The Hyperscan cache outlives the server: compiling Rspamd's regexps and TLD list takes ~10 s on two
        // cores, loading them well under one.
        var hsCache = Path.Combine(Path.GetTempPath(), "actormta-rspamd-hs-cache");
        Directory.CreateDirectory(hsCache);
        File.WriteAllText(Path.Combine(directory, "local.d", "options.inc"), $$"""
            dns {
                nameserver = ["127.0.0.1:9"];
                timeout = 0.1s;
                retransmits = 1;
            }
            hs_cache_dir = "{{hsCache}}/";
            """);

        // One line per scanned message, with the envelope fields, so tests can find a scan by its queue id.
        File.WriteAllText(Path.Combine(directory, "local.d", "logging.inc"), """
            log_format = "id: <$mid>,$if_qid{ qid: <$>,}$if_ip{ ip: $,}$if_user{ user: $,}$if_smtp_from{ from: <$>,} ($is_spam ($action): [$scores] [$symbols]), len: $len, time: $time_real$if_smtp_rcpts{, rcpts: <$>}$if_settings_id{, settings_id: $}";
            """);

        // Bayes and its learn cache (which answers "already learned") in this server's own Redis. Only the classifier
        // is pointed at it: a global redis.conf would also switch on Redis-backed modules (greylisting, rate limits,
        // history) and change the verdicts the tests expect. override.d replaces the packaged section whole.
        File.WriteAllText(Path.Combine(directory, "override.d", "classifier-bayes.conf"), $$"""
            backend = "redis";
            servers = "{{redisSocket}}";
            new_schema = true;
            statfile {
              symbol = "BAYES_HAM";
              spam = false;
            }
            statfile {
              symbol = "BAYES_SPAM";
              spam = true;
            }
            """);

        foreach (var module in DisabledModules)
            File.WriteAllText(Path.Combine(directory, "local.d", module + ".conf"), "enabled = false;\n");
        // Kept on, but reading the packaged map files instead of first trying maps.rspamd.com.
        File.WriteAllText(Path.Combine(directory, "override.d", "mime_types.conf"), "file = [\"${CONFDIR}/maps.d/mime_types.inc\"];\n");
        File.WriteAllText(Path.Combine(directory, "override.d", "mid.conf"), "source { url = [\"${CONFDIR}/maps.d/mid.inc\"]; }\n");

        File.WriteAllText(Path.Combine(directory, "local.d", "settings.conf"), $$"""
            lenient {
              id = "{{LenientSettingsId}}";
              apply {
                actions {
                  reject = 1000;
                }
              }
            }
            """);
    }

    private static Process Launch(string binary, string directory, ConcurrentQueue<string> log)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // -f: stay in the foreground so Dispose can kill it; -i: tests run as root, and Rspamd otherwise refuses to
        // run workers as root (dropping to the _rspamd user would need the temp directory handed over to it).
        foreach (var argument in new[]
                 {
                     "-f", "-i", "-c", Path.Combine(directory, "rspamd.conf"),
                     $"--var=LOCAL_CONFDIR={directory}",
                     $"--var=DBDIR={Path.Combine(directory, "db")}",
                     $"--var=RUNDIR={Path.Combine(directory, "run")}",
                     $"--var=LOGDIR={Path.Combine(directory, "log")}",
                 })
            info.ArgumentList.Add(argument);

        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task WaitUntilAnsweringAsync(Process process, ConcurrentQueue<string> log, int normalPort, int controllerPort)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        var pending = new List<int> { normalPort, controllerPort };
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException("rspamd exited: " + string.Join(" | ", log.TakeLast(30)));
            if (log.Any(line => line.Contains("cannot bind", StringComparison.OrdinalIgnoreCase)
                                || line.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)))
                throw new InvalidOperationException("rspamd could not bind: " + string.Join(" | ", log.TakeLast(30)));
            foreach (var port in pending.ToArray())
            {
                try
                {
                    var pong = await http.GetStringAsync($"http://127.0.0.1:{port}/ping");
                    if (pong.Contains("pong", StringComparison.Ordinal))
                        pending.Remove(port);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet: configuration loading takes a moment.
                }
            }
            if (pending.Count == 0 && await BayesLoadedAsync(http, controllerPort))
                return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"rspamd did not answer within {StartTimeout.TotalSeconds} s: " + string.Join(" | ", log.TakeLast(30)));
    }

    /// <summary>
    /// Whether the controller has loaded both Bayes statfiles, on Redis (a configuration that fell back to another backend
    /// would never pass). It answers /ping before that while a cold Hyperscan
    /// cache is compiled (the first run on a machine), and a learn request meanwhile gets HTTP 404 "cannot find
    /// statfile backend to learn spam in default classifier".
    /// </summary>
    private static async Task<bool> BayesLoadedAsync(HttpClient http, int controllerPort)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{controllerPort}/stat");
            request.Headers.Add("Password", ControllerPassword);
            using var reply = await http.SendAsync(request);
            if (!reply.IsSuccessStatusCode) return false;
            using var stat = System.Text.Json.JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
            return stat.RootElement.TryGetProperty("statfiles", out var statfiles)
                   && statfiles.ValueKind == System.Text.Json.JsonValueKind.Array
                   && statfiles.EnumerateArray().Count(f => f.TryGetProperty("symbol", out var symbol)
                                                             && symbol.GetString() is "BAYES_SPAM" or "BAYES_HAM"
                                                             && f.TryGetProperty("type", out var type) && type.GetString() == "redis") == 2;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static async Task<string> EnsureInstalledAsync()
    {
        if (FindBinary() is { } found && BayesRedis.IsInstalled)
            return found;
        await InstallLock.WaitAsync();
        try
        {
            if (FindBinary() is { } installedMeanwhile && BayesRedis.IsInstalled)
                return installedMeanwhile;
            // Without recommends: the tests want rspamd and redis-server, nothing else.
            string[] install = ["install", "-y", "-qq", "--no-install-recommends", "rspamd", "redis-server"];
            // A fresh machine may have no package lists yet; update only when the plain install fails.
            if ((await HelperProcess.RunAsync("apt-get", install)).ExitCode != 0)
            {
                await HelperProcess.RunAsync("apt-get", "update", "-q");
                await HelperProcess.RunAsync("apt-get", install);
            }
            var binary = FindBinary() ?? throw new InvalidOperationException("rspamd is not installed and `apt-get install rspamd` failed");
            if (!BayesRedis.IsInstalled)
                throw new InvalidOperationException("redis-server is not installed and `apt-get install redis-server` failed");
            await StopPackagedServiceAsync();
            return binary;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>
    /// The packages' maintainer scripts enable the rspamd and redis-server services and may start them (where no
    /// policy-rc.d forbids it), rspamd on the default ports 11332-11334 and Redis on 6379. Tests want only their own
    /// instances, and a machine left with a spam filter and a database running and enabled at boot would surprise
    /// whoever uses it next.
    /// </summary>
    private static async Task StopPackagedServiceAsync()
    {
        foreach (var (service, pidFile) in new[] { ("rspamd", "/run/rspamd/rspamd.pid"), ("redis-server", "/run/redis/redis-server.pid") })
        {
            await TryRunAsync("systemctl", "disable", service);
            await TryRunAsync("service", service, "stop");
            await KillByPidFileAsync(pidFile, service);
        }
        foreach (var port in new[] { 11333, 11334 })
        {
            if (await IsListeningAsync(port))
                throw new InvalidOperationException($"after installing rspamd something still listens on 127.0.0.1:{port}; stop the rspamd service");
        }
    }

    /// <summary>Kills the packaged daemon named in <paramref name="pidFile"/> when it still runs (no init system here).</summary>
    private static async Task KillByPidFileAsync(string pidFile, string processName)
    {
        if (!File.Exists(pidFile) || !int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var pid))
            return;
        try
        {
            using var service = Process.GetProcessById(pid);
            if (service.ProcessName.StartsWith(processName, StringComparison.Ordinal))
            {
                service.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await service.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OperationCanceledException)
        {
            // Already gone.
        }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static string? FindBinary()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "rspamd"));
        return BinaryCandidates.Concat(onPath).FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a command whose absence or failure is acceptable (no systemd, no init script).</summary>
    private static async Task TryRunAsync(string fileName, params string[] arguments)
    {
        try
        {
            await HelperProcess.RunAsync(fileName, arguments);
        }
        catch (Win32Exception)
        {
            // Not on this machine.
        }
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        HelperProcess.Kill(_process);
        _redis.Dispose();
        HelperProcess.TryDeleteDirectory(_directory);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
