using System.Diagnostics;

namespace ActorMTA.TestSupport;

/// <summary>
/// Installs a Debian package a test needs as a real peer (an interpreter module, a tool) when it is missing: tests run
/// as root on a machine that may be fresh, and only the project's own files can bring what it needs.
/// </summary>
public static class DebianPackage
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Runs <c>apt-get install</c> for <paramref name="package"/> unless <paramref name="isPresent"/> says it
    /// is there already; once per process at a time, so parallel tests do not race for dpkg's lock.</summary>
    /// <exception cref="InvalidOperationException">Still not present after installing.</exception>
    public static async Task EnsureInstalledAsync(string package, Func<Task<bool>> isPresent)
    {
        if (await isPresent()) return;
        await InstallLock.WaitAsync();
        try
        {
            if (await isPresent()) return;
            // A fresh machine may have no package lists yet; update only when the plain install fails.
            if ((await HelperProcess.RunAsync("apt-get", "install", "-y", "-qq", package)).ExitCode != 0)
            {
                await HelperProcess.RunAsync("apt-get", "update", "-qq");
                var retry = await HelperProcess.RunAsync("apt-get", "install", "-y", "-qq", package);
                if (retry.ExitCode != 0)
                    throw new InvalidOperationException($"`apt-get install {package}` failed (exit {retry.ExitCode}): {retry.Output}");
            }
            if (!await isPresent())
                throw new InvalidOperationException($"{package} was installed but is still not usable");
        }
        finally
        {
            InstallLock.Release();
        }
    }

}
