namespace ActorMTA.Server.Hosting;

/// <summary>
/// One running server per data dir: two servers on one journal would corrupt each other's state.
/// The admin commands don't take this lock; they go through the accounts database, which is safe to share.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "actormta.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var w = new StreamWriter(file, leaveOpen: true)) w.Write(Environment.ProcessId);
            file.Flush();
            return new DataDirectoryLock(file);
        }
        catch (IOException e) when (Storage.Space.StorageErrors.IsOutOfSpace(e))
        {
            throw new IOException($"cannot start: no space left on device for {dataDirectory}", e);
        }
        catch (IOException)
        {
            throw new InvalidOperationException($"data dir {dataDirectory} is locked by another running server");
        }
    }

    public void Dispose() => _file.Dispose();
}
