using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace ActorMTA.TestSupport;

/// <summary>
/// A real dnsmasq on 127.0.0.1 and a free port, serving the zones in the given config (dnsmasq
/// config-file syntax: <c>mx-host=</c>, <c>host-record=</c>, <c>dns-rr=</c>, <c>local=/test/</c> ...).
/// Installs the Debian package dnsmasq-base when the binary is missing. Every query is logged, so tests
/// can count what reached the server. Dispose kills the process.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable, IDisposable
{
    private static readonly string[] BinaryCandidates = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"];
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private const int StartAttempts = 5;

    private readonly Process _process;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _log;

    private DnsmasqServer(Process process, string directory, ConcurrentQueue<string> log, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        _log = log;
        EndPoint = endPoint;
    }

    /// <summary>Where the server answers, UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Everything dnsmasq logged so far (queries look like "query[MX] example.test from 127.0.0.1").</summary>
    public IReadOnlyList<string> LogLines => _log.ToArray();

    /// <summary>How many queries of <paramref name="type"/> ("MX", "A", "AAAA") for <paramref name="name"/> arrived.</summary>
    public int QueryCount(string type, string name)
    {
        var needle = $"query[{type}] {name.TrimEnd('.')} from ";
        return _log.Count(line => line.Contains(needle, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Waits until at least <paramref name="count"/> such queries were logged (the log trails the answer slightly).</summary>
    public async Task WaitForQueryCountAsync(string type, string name, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (QueryCount(type, name) < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"dnsmasq logged {QueryCount(type, name)} {type} queries for {name}, expected {count}");
            await Task.Delay(10);
        }
    }

    /// <summary>A loopback UDP port with nothing listening: forwarding a zone there makes queries time out.</summary>
    public static int ClosedUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public static async Task<DnsmasqServer> StartAsync(string config)
    {
        var binary = await EnsureInstalledAsync();
        var directory = Path.Combine(Path.GetTempPath(), "actormta-dnsmasq-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var configFile = Path.Combine(directory, "dnsmasq.conf");
        await File.WriteAllTextAsync(configFile, config);

        Exception? lastError = null;
        // The free port is found by binding and releasing it, so another process can take it in between;
        // dnsmasq then exits at once and a new port is tried.
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var port = FreePort();
            var log = new ConcurrentQueue<string>();
            var process = Launch(binary, port, configFile, log);
            try
            {
                var endPoint = new IPEndPoint(IPAddress.Loopback, port);
                await WaitUntilAnsweringAsync(process, endPoint, log);
                return new DnsmasqServer(process, directory, log, endPoint);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                lastError = ex;
                HelperProcess.Kill(process);
            }
        }
        HelperProcess.TryDeleteDirectory(directory);
        throw new InvalidOperationException($"dnsmasq did not start after {StartAttempts} attempts", lastError);
    }

    private static Process Launch(string binary, int port, string configFile, ConcurrentQueue<string> log)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--keep-in-foreground", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
                     "--no-resolv", "--no-hosts", "--pid-file=", $"--conf-file={configFile}",
                     "--log-queries", "--log-facility=-", "--cache-size=0",
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

    private static async Task WaitUntilAnsweringAsync(Process process, IPEndPoint endPoint, ConcurrentQueue<string> log)
    {
        var client = new LookupClient(new LookupClientOptions(endPoint)
        {
            UseCache = false, Timeout = TimeSpan.FromMilliseconds(200), Retries = 0, ThrowDnsErrors = false,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException("dnsmasq exited: " + string.Join(" | ", log));
            try
            {
                // Any answer, even REFUSED, shows the server is up.
                await client.QueryAsync("dnsmasq-ready.invalid", QueryType.A);
                return;
            }
            catch (DnsResponseException)
            {
                await Task.Delay(20);
            }
        }
        throw new TimeoutException("dnsmasq did not answer within 10 s: " + string.Join(" | ", log));
    }

    private static async Task<string> EnsureInstalledAsync()
    {
        if (FindBinary() is { } found)
            return found;
        await InstallLock.WaitAsync();
        try
        {
            if (FindBinary() is { } installedMeanwhile)
                return installedMeanwhile;
            // A fresh machine may have no package lists yet; update only when the plain install fails.
            if ((await HelperProcess.RunAsync("apt-get", "install", "-y", "-q", "dnsmasq-base")).ExitCode != 0)
            {
                await HelperProcess.RunAsync("apt-get", "update", "-q");
                await HelperProcess.RunAsync("apt-get", "install", "-y", "-q", "dnsmasq-base");
            }
            return FindBinary() ?? throw new InvalidOperationException("dnsmasq is not installed and `apt-get install dnsmasq-base` failed");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static string? FindBinary()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dnsmasq"));
        return BinaryCandidates.Concat(onPath).FirstOrDefault(File.Exists);
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 at the moment of asking.</summary>
    private static int FreePort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // TCP side taken: try another port.
            }
        }
    }

    public void Dispose()
    {
        HelperProcess.Kill(_process);
        HelperProcess.TryDeleteDirectory(_directory);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
