using System.Diagnostics;
using System.Globalization;

namespace ActorMTA.Integration.Tests.Harness;

// A server whose data dir is a small tmpfs in a private mount namespace (the tests run as root): a full disk that
// nothing else on the machine notices. The test fills and frees it from inside that namespace (nsenter).
public sealed partial class ServerProcess
{
    private const string FillerName = "filler";

    // Copies what the CLI prepared (accounts.db) into the tmpfs mounted over the data dir, optionally fills it, then
    // becomes the server: same pid, so signals and nsenter reach it.
    private const string SmallDiskScript = """
        set -e
        data="$1"; size="$2"; fill="$3"; shift 3
        stage=$(mktemp -d)
        cp -a "$data/." "$stage/"
        mount -t tmpfs -o "size=${size}m" tmpfs "$data"
        cp -a "$stage/." "$data/"
        rm -rf "$stage"
        # As after an earlier run: the lock file is there (its few bytes fit again), the databases need new pages.
        if [ "$fill" = fill ]; then echo 0 > "$data/actormta.lock"; dd if=/dev/zero of="$data/filler" bs=64k 2>/dev/null || true; fi
        exec "$@"
        """;

    private int? _smallDiskMiB;
    private bool _fillAtStart;

    /// <summary>
    /// Like <see cref="StartAsync"/>, with the data dir on a tmpfs of <paramref name="sizeMiB"/> MiB private to the
    /// server process. <paramref name="fillAtStart"/>: the disk is full before the server starts (then the start is
    /// expected to fail; see <see cref="LaunchOnFullDiskAsync"/>).
    /// </summary>
    public static async Task<ServerProcess> StartOnSmallDiskAsync(int sizeMiB, string configOverrides = "", IEnumerable<TestUser>? users = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = await PrepareAsync(configOverrides, users);
            server._smallDiskMiB = sizeMiB;
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (PortInUseException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Runs `actormta run` on a tmpfs data dir that is already full; returns when it exits (or throws on timeout).</summary>
    public static async Task<(ServerProcess Server, int ExitCode, string Stderr)> LaunchOnFullDiskAsync(int sizeMiB, IEnumerable<TestUser>? users = null)
    {
        var server = await PrepareAsync("", users);
        server._smallDiskMiB = sizeMiB;
        server._fillAtStart = true;
        var psi = server.OnSmallDiskIfAsked(server.NewStartInfo(["run"]));
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the server");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StartTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"the server did not exit on a full disk:\n{await stdout}\n{await stderr}");
        }
        server.Append(await stdout);
        return (server, process.ExitCode, await stderr);
    }

    private static async Task<ServerProcess> PrepareAsync(string configOverrides, IEnumerable<TestUser>? users)
    {
        var root = Path.Combine(Path.GetTempPath(), "actormta-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var server = new ServerProcess(Path.Combine(root, "data"), ServerPorts.PickFree());
        try
        {
            Directory.CreateDirectory(server.DataDirectory);
            File.WriteAllText(server.ConfigFile, server.OverlayConfig(configOverrides));
            server.RunCliChecked("domain", "add", Domain);
            foreach (var user in users ?? []) server.RunCliChecked("user", "add", user.Address, "--password", user.Password);
            await Task.CompletedTask;
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private ProcessStartInfo OnSmallDiskIfAsked(ProcessStartInfo psi)
    {
        if (_smallDiskMiB is not { } mib) return psi;
        var wrapped = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = psi.RedirectStandardOutput,
            RedirectStandardError = psi.RedirectStandardError,
            UseShellExecute = false,
            WorkingDirectory = psi.WorkingDirectory,
            StandardOutputEncoding = psi.StandardOutputEncoding,
            StandardErrorEncoding = psi.StandardErrorEncoding,
        };
        foreach (var a in new[] { "-m", "--propagation", "private", "sh", "-c", SmallDiskScript, "sh", DataDirectory,
                     mib.ToString(CultureInfo.InvariantCulture), _fillAtStart ? "fill" : "-", psi.FileName })
            wrapped.ArgumentList.Add(a);
        foreach (var a in psi.ArgumentList) wrapped.ArgumentList.Add(a);
        return wrapped;
    }

    /// <summary>Runs a command in the server's mount namespace (where its tmpfs is); returns its stdout.</summary>
    public string InServerNamespace(params string[] command)
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-t", Pid.ToString(CultureInfo.InvariantCulture), "-m", "--" }.Concat(command)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start nsenter");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>Free bytes on the server's data dir.</summary>
    public long DiskAvailable()
    {
        var parts = InServerNamespace("stat", "-f", "-c", "%a %S", DataDirectory).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Fills the data dir's disk with a filler file until at most <paramref name="leaveBytes"/> stay free.</summary>
    public void FillDisk(long leaveBytes = 0)
    {
        var filler = Path.Combine(DataDirectory, FillerName);
        if (leaveBytes <= 0)
        {
            InServerNamespace("sh", "-c", $"dd if=/dev/zero of='{filler}' bs=64k 2>/dev/null; true");
            return;
        }
        var fill = DiskAvailable() - leaveBytes;
        if (fill > 0) InServerNamespace("fallocate", "-l", fill.ToString(CultureInfo.InvariantCulture), filler + "-" + ++_fillers);
    }

    private int _fillers;

    /// <summary>Removes the filler files.</summary>
    public void FreeDisk() => InServerNamespace("sh", "-c", $"rm -f '{Path.Combine(DataDirectory, FillerName)}'*");
}
