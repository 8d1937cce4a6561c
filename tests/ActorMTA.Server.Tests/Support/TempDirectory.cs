namespace ActorMTA.Server.Tests.Support;

public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "actormta-entities-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a pooled SQLite handle may still be closing; the OS temp cleaner gets it
        catch (UnauthorizedAccessException) { }
    }
}
