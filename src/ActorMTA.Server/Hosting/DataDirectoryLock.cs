using System.Runtime.InteropServices;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// One running server per data dir: two servers on one journal would corrupt each other's state.
/// The admin commands don't take this lock; they go through the accounts database, which is safe to share.
/// The lock is an flock(2) of its own, not FileShare.None: the host turns .NET's FileShare emulation off
/// (System.IO.DisableFileLocking, see ActorMTA.Host.csproj), which costs an fstatfs and two flocks per file opened.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "actormta.lock");
        FileStream? file = null;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
            if (flock((int)file.SafeFileHandle.DangerousGetHandle(), LOCK_EX | LOCK_NB) != 0)
            {
                file.Dispose();
                throw new InvalidOperationException($"data dir {dataDirectory} is locked by another running server");
            }
            file.SetLength(0);
            using (var w = new StreamWriter(file, leaveOpen: true)) w.Write(Environment.ProcessId);
            file.Flush();
            return new DataDirectoryLock(file);
        }
        catch (IOException e) when (Storage.Space.StorageErrors.IsOutOfSpace(e))
        {
            file?.Dispose();
            throw new IOException($"cannot start: no space left on device for {dataDirectory}", e);
        }
    }

    public void Dispose() => _file.Dispose();

    [DllImport("libc", SetLastError = true)]
    private static extern int flock(int fd, int operation);
}
