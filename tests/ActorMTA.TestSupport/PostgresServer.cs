using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorMTA.TestSupport;

/// <summary>
/// A real PostgreSQL from Debian's package on 127.0.0.1 and a free port, in a data directory of its own under the
/// temp directory (initdb and the server run as the postgres user when the tests run as root). Installs the package
/// when it is missing. Dispose stops the server and removes the directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private const int StartAttempts = 5;

    private readonly string _directory;
    private readonly string _binaries;

    private PostgresServer(string directory, string binaries, int port)
    {
        _directory = directory;
        _binaries = binaries;
        Port = port;
    }

    public int Port { get; }

    /// <summary>For the superuser "postgres" over TCP (trust authentication on loopback only).</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=15;Command Timeout=30";

    public static async Task<PostgresServer> StartAsync()
    {
        var binaries = await FindOrInstallAsync();
        var directory = Path.Combine(Path.GetTempPath(), "actormta-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(directory);
        var data = Path.Combine(directory, "data");
        AsPostgresOwner(directory);
        await RunAsync(Path.Combine(binaries, "initdb"), $"-D {data} -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8", TimeSpan.FromSeconds(60));
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var server = new PostgresServer(directory, binaries, port);
            try
            {
                // Loopback only, its own socket directory; fsync stays on (the tests check durability, not speed).
                await RunAsync(Path.Combine(binaries, "pg_ctl"),
                    $"-D {data} -l {Path.Combine(directory, "log")} -w -t 60 -o \"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200\" start",
                    TimeSpan.FromSeconds(90));
                return server;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts)
            {
                // The picked port was taken meanwhile: try another.
            }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await RunAsync("/usr/bin/psql", $"-h 127.0.0.1 -p {Port} -U postgres -v ON_ERROR_STOP=1 -c \"CREATE DATABASE {name}\"", TimeSpan.FromSeconds(30));
        return ConnectionStringFor(name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_binaries, "pg_ctl"), $"-D {Path.Combine(_directory, "data")} -m immediate -w -t 30 stop", TimeSpan.FromSeconds(40));
        }
        catch (InvalidOperationException) { }
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static async Task<string> FindOrInstallAsync()
    {
        var found = Find();
        if (found is not null) return found;
        await InstallLock.WaitAsync();
        try
        {
            found = Find();
            if (found is not null) return found;
            await RunAsync("/bin/sh", "-c \"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || " +
                "(apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)\"", TimeSpan.FromMinutes(10), asOwner: false);
            return Find() ?? throw new InvalidOperationException("PostgreSQL is not installed and could not be installed (apt-get install postgresql)");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static string? Find() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d).Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
        : null;

    private static bool IsRoot => Environment.UserName == "root";

    private static void AsPostgresOwner(string directory)
    {
        if (!IsRoot) return;
        using var chown = Process.Start(new ProcessStartInfo("chown", $"postgres:postgres {directory}") { UseShellExecute = false })!;
        chown.WaitForExit();
    }

    /// <summary>Runs a PostgreSQL program, as the postgres user when we are root (initdb and postgres refuse root).</summary>
    private static async Task RunAsync(string program, string arguments, TimeSpan timeout, bool asOwner = true)
    {
        var info = asOwner && IsRoot
            ? new ProcessStartInfo("runuser", $"-u postgres -- {program} {arguments}")
            : new ProcessStartInfo(program, arguments);
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(program)} did not finish within {timeout}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited {process.ExitCode}: {await output} {await error}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
