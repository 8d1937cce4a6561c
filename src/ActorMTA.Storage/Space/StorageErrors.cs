namespace ActorMTA.Storage.Space;

/// <summary>Tells a full disk from other storage faults, for replies that distinguish them (IMAP OVERQUOTA).</summary>
public static class StorageErrors
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int SqliteFull = 13;

    public static bool IsOutOfSpace(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is InsufficientStorageException) return true;
            if (e is IOException && (e.HResult == Enospc || e.HResult == Edquot)) return true;
            if (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SqliteFull }) return true;
            if (e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("disk is full", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}

/// <summary>Refused before trying: the storage is below its minimum free space (<see cref="StorageSpace.IsLow"/>).</summary>
public sealed class InsufficientStorageException() : IOException("storage is below its minimum free space");
