using System.Diagnostics;

namespace ActorMTA.TestSupport;

/// <summary>Ending the daemons the tests start (dnsmasq, Rspamd) and removing their scratch folders, quietly.</summary>
internal static class HelperProcess
{
    /// <summary>Kills the process and its children (daemons fork workers that would keep the ports), then disposes it.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { } // already gone
        process.Dispose();
    }

    public static void TryDeleteDirectory(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
