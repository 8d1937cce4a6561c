using System.Diagnostics;
using System.Text;

namespace ActorMTA.TestSupport;

/// <summary>Runs a Python snippet with Debian's interpreter, for tests that check our output with an independent
/// Python implementation (e.g. dkimpy verifying DKIM signatures).</summary>
public static class Python3
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>Whether <c>import <paramref name="module"/></c> works.</summary>
    public static async Task<bool> HasModuleAsync(string module) =>
        File.Exists(Interpreter) && (await RunAsync($"import {module}", [])).ExitCode == 0;

    /// <summary>Makes <paramref name="module"/> importable, installing <paramref name="debianPackage"/> if needed.</summary>
    public static Task EnsureModuleAsync(string module, string debianPackage) =>
        DebianPackage.EnsureInstalledAsync(debianPackage, () => HasModuleAsync(module));

    /// <summary>Runs <paramref name="code"/> (<c>python3 -c</c>) with <paramref name="stdin"/> as its standard input
    /// and <paramref name="args"/> as sys.argv[1:].</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string code, byte[] stdin, params string[] args) =>
        RunInterpreterAsync(["-c", code, .. args], stdin);

    /// <summary>Runs the script at <paramref name="path"/> with <paramref name="args"/> and no standard input.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunScriptAsync(string path, params string[] args) =>
        RunInterpreterAsync([path, .. args], []);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunInterpreterAsync(IReadOnlyList<string> arguments, byte[] stdin)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        psi.Environment.Remove("PYTHONPATH");
        psi.Environment.Remove("PYTHONHOME");
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {Interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await stdout, "timed out\n" + await stderr);
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
