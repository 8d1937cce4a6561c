using System.Reflection;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>Where the built server lives relative to this test assembly.</summary>
public static class RepositoryLayout
{
    public static string RootDirectory { get; } = FindRoot();

    /// <summary>Debug or Release: the server under test is the one built like this assembly.</summary>
    public static string Configuration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The server under test; ACTORMTA_SERVER_DLL points the tests at another build (e.g. the code before a
    /// fix, to see a new test fail there).</summary>
    public static string ServerDll =>
        Environment.GetEnvironmentVariable("ACTORMTA_SERVER_DLL") is { Length: > 0 } other
            ? other
            : Path.Combine(RootDirectory, "src", "ActorMTA.Host", "bin", Configuration, "net10.0", "actormta.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorMTA.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"ActorMTA.sln not found above {AppContext.BaseDirectory}");
    }
}
