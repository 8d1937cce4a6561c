using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.TestSupport;

/// <summary>
/// A private redis-server (Debian's package) holding one test Rspamd's Bayes statistics and learn cache, as Rspamd's
/// own documentation sets up Bayes in production. It listens on a Unix socket in the Rspamd server's directory only
/// (no TCP port, so nothing to collide with and nothing reachable from elsewhere), keeps nothing on disk, and is
/// killed with its Rspamd. Bayes used to live in sqlite3 files shared by Rspamd's scanner and controller processes,
/// whose locks now and then stayed taken for minutes ("cannot commit checkpoint: database is locked" on every learn).
/// </summary>
internal sealed class BayesRedis : IDisposable
{
    public const string Binary = "/usr/bin/redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;

    private BayesRedis(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    /// <summary>The Unix socket Rspamd's classifier connects to.</summary>
    public string SocketPath { get; }

    public static bool IsInstalled => File.Exists(Binary);

    public static async Task<BayesRedis> StartAsync(string directory)
    {
        var data = Path.Combine(directory, "redis");
        Directory.CreateDirectory(data);
        var socketPath = Path.Combine(data, "redis.sock");
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", "0", "--unixsocket", socketPath, "--unixsocketperm", "700",
                     "--dir", data, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                 })
            info.ArgumentList.Add(argument);
        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                break;
            if (File.Exists(socketPath) && await PingAsync(socketPath))
                return new BayesRedis(process, socketPath);
            await Task.Delay(50);
        }
        HelperProcess.Kill(process);
        lock (output)
            throw new InvalidOperationException($"redis-server did not answer on {socketPath}: {output}");
    }

    private static async Task<bool> PingAsync(string socketPath)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
            await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => HelperProcess.Kill(_process);
}
