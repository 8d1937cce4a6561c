using ActorMTA.TestSupport;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>Runs one of the python/ client scripts with Debian's interpreter (its smtplib/poplib are the clients under test).</summary>
public static class PythonScript
{
    public const string Interpreter = Python3.Interpreter;

    /// <returns>The exit code, and standard output followed by standard error.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, params string[] args)
    {
        var (exitCode, stdout, stderr) = await Python3.RunScriptAsync(Path.Combine(AppContext.BaseDirectory, "python", script), args);
        return (exitCode, stdout + stderr);
    }
}
