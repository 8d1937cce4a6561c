using System.Diagnostics;
using System.Text;
using ActorMTA.Integration.Tests.Harness;

namespace ActorMTA.Integration.Tests.LoadTool;

/// <summary>One run of `actormta-load ARGS` as a real process (the build next to the server's), output captured.</summary>
public static class LoadToolProcess
{
    public static string Dll =>
        Path.Combine(RepositoryLayout.RootDirectory, "load-tests", "ActorMTA.LoadTests", "bin", RepositoryLayout.Configuration, "net10.0", "actormta-load.dll");

    public static async Task<CliResult> RunAsync(TimeSpan timeout, params string[] args)
    {
        if (!File.Exists(Dll)) throw new FileNotFoundException($"load tool not built: {Dll}");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"actormta-load {string.Join(' ', args)} did not finish within {timeout}:\n{await stdout}\n{await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
