using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>
/// One `actormta run` process on a private temp data dir and private loopback ports, prepared
/// through the real CLI (`domain add`, `user add`). Its stdout/stderr are kept for diagnostics.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    public const string Domain = "local.test";
    public const string HostName = "mail.local.test";
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private const int Sigterm = 15;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();
    private Process? _process;

    private ServerProcess(string dataDirectory, ServerPorts ports)
    {
        DataDirectory = dataDirectory;
        Ports = ports;
        ConfigFile = Path.Combine(Path.GetDirectoryName(dataDirectory)!, "test-overlay.conf");
    }

    public string DataDirectory { get; }
    public string ConfigFile { get; }
    public ServerPorts Ports { get; }

    public int Pid => _process?.Id ?? throw new InvalidOperationException("server not started");
    public bool HasExited => _process is null || _process.HasExited;
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Everything the server (all its runs) printed so far.</summary>
    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    /// <param name="configOverrides">HOCON appended to the overlay (later keys win), e.g. "actormta.smtp.max-recipients = 3".</param>
    /// <param name="users">Mailboxes to create with `user add` before the server starts.</param>
    /// <param name="extraDomains">Local domains besides <see cref="Domain"/>, added before the users.</param>
    /// <param name="sharedAccounts">The accounts are in a database another node created already (postgresql backend): add none.</param>
    public static async Task<ServerProcess> StartAsync(string configOverrides = "", IEnumerable<TestUser>? users = null,
        IEnumerable<string>? extraDomains = null, bool sharedAccounts = false)
    {
        // A picked port can be taken before the server binds it (a client socket of another test gets it as its
        // ephemeral port), and the server refuses to start on a port in use: then it starts over on other ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreshPortsAsync(configOverrides, users, extraDomains, sharedAccounts);
            }
            catch (PortInUseException) when (attempt < 5)
            {
            }
        }
    }

    private sealed class PortInUseException(string message, Exception inner) : InvalidOperationException(message, inner);

    private static async Task<ServerProcess> StartOnFreshPortsAsync(string configOverrides, IEnumerable<TestUser>? users,
        IEnumerable<string>? extraDomains, bool sharedAccounts)
    {
        var root = Path.Combine(Path.GetTempPath(), "actormta-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var server = new ServerProcess(Path.Combine(root, "data"), ServerPorts.PickFree());
        try
        {
            File.WriteAllText(server.ConfigFile, server.OverlayConfig(configOverrides));
            if (!sharedAccounts)
            {
                server.RunCliChecked("domain", "add", Domain);
                foreach (var domain in extraDomains ?? []) server.RunCliChecked("domain", "add", domain);
                foreach (var user in users ?? []) server.RunCliChecked("user", "add", user.Address, "--password", user.Password);
            }
            await server.LaunchAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the process exits by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("server not started");
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>SIGTERM, then wait for the process to exit; returns its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var process = _process ?? throw new InvalidOperationException("server not started");
        if (!process.HasExited && kill(process.Id, Sigterm) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) failed: errno {Marshal.GetLastWin32Error()}");
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"server did not exit within {timeout ?? TimeSpan.FromSeconds(40)} of SIGTERM.\n{Output}");
        }
        return process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or power loss of the process.</summary>
    public void Kill()
    {
        var process = _process ?? throw new InvalidOperationException("server not started");
        process.Kill(entireProcessTree: false);
        process.WaitForExit();
        Append("=== killed with SIGKILL ===");
    }

    /// <summary>Starts the server again on the same data dir, config and ports (after Stop or Kill).</summary>
    public async Task RestartAsync()
    {
        if (!HasExited) throw new InvalidOperationException("the server is still running");
        Append("=== restart ===");
        await LaunchAsync();
    }

    /// <summary>`actormta ARGS --config overlay --data-dir DIR` (unless ARGS has its own), with stdin closed.</summary>
    public CliResult RunCli(params string[] args) => RunCli(TimeSpan.FromSeconds(60), args);

    public CliResult RunCli(TimeSpan timeout, params string[] args)
    {
        var psi = NewStartInfo(args);
        psi.RedirectStandardInput = true;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"actormta {string.Join(' ', args)} did not finish within {timeout}:\n{stdout.Result}\n{stderr.Result}");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            try { await StopAsync(TimeSpan.FromSeconds(20)); }
            catch (TimeoutException) { _process.Kill(entireProcessTree: true); }
        }
        _process?.Dispose();
        try { Directory.Delete(Path.GetDirectoryName(DataDirectory)!, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private void RunCliChecked(params string[] args)
    {
        var result = RunCli(args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"actormta {string.Join(' ', args)} failed: {result}");
    }

    private async Task LaunchAsync()
    {
        if (!File.Exists(RepositoryLayout.ServerDll))
            throw new FileNotFoundException($"server not built: {RepositoryLayout.ServerDll} (build src/ActorMTA.Host -c {RepositoryLayout.Configuration})");
        // Each run has its own signal so late events of a previous (killed) run cannot touch it.
        var ready = NewSignal();
        var process = new Process { StartInfo = OnSmallDiskIfAsked(NewStartInfo(["run"])), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, ready);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, ready);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("server exited before it was ready"));
        if (!process.Start()) throw new InvalidOperationException("cannot start the server");
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch (Exception e)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var message = $"server did not become ready ({e.Message}); exit code {(process.HasExited ? process.ExitCode : -1)}; output:\n{Output}";
            if (Output.Contains("cannot listen on", StringComparison.Ordinal) && Output.Contains("Address already in use", StringComparison.Ordinal))
                throw new PortInUseException(message, e);
            throw new InvalidOperationException(message, e);
        }
    }

    private void OnLine(string? line, TaskCompletionSource ready)
    {
        if (line is null) return;
        Append(line);
        if (line.Contains("ActorMTA ready", StringComparison.Ordinal)) ready.TrySetResult();
    }

    private void Append(string line)
    {
        lock (_gate) _output.AppendLine(line);
    }

    private ProcessStartInfo NewStartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(DataDirectory)!,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(RepositoryLayout.ServerDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The test's own --config/--data-dir win (the CLI keeps the last value of an option).
        if (!psi.ArgumentList.Contains("--config"))
        {
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(ConfigFile);
        }
        if (!psi.ArgumentList.Contains("--data-dir"))
        {
            psi.ArgumentList.Add("--data-dir");
            psi.ArgumentList.Add(DataDirectory);
        }
        return psi;
    }

    private string OverlayConfig(string overrides)
    {
        static string Listener(string name, int port) => $"    {name} {{ bind = \"127.0.0.1\", port = {port}, enabled = on }}";
        return $$"""
            actormta {
              hostname = "{{HostName}}"
              data-dir = {{JsonSerializer.Serialize(DataDirectory)}}
              listeners {
            {{Listener("smtp", Ports.Smtp)}}
            {{Listener("submission", Ports.Submission)}}
            {{Listener("smtps", Ports.Smtps)}}
            {{Listener("pop3", Ports.Pop3)}}
            {{Listener("pop3s", Ports.Pop3s)}}
            {{Listener("imap", Ports.Imap)}}
            {{Listener("imaps", Ports.Imaps)}}
              }
              accounts.refresh-interval = 200ms
            }
            {{overrides}}

            """;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
