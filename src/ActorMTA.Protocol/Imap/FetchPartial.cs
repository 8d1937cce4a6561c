namespace ActorMTA.Protocol.Imap;

/// <summary>The <c>&lt;origin.length&gt;</c> of a partial body fetch.</summary>
public readonly record struct FetchPartial(long Origin, long Length)
{
    /// <summary>
    /// The slice of a section of <paramref name="totalLength"/> bytes: starts past the end give an
    /// empty slice, reads past the end are truncated (RFC 3501 section 6.4.5).
    /// </summary>
    public (long Offset, long Count) Apply(long totalLength)
    {
        if (Origin >= totalLength) return (totalLength, 0);
        return (Origin, Math.Min(Length, totalLength - Origin));
    }

    /// <summary>The slice of an in-memory section.</summary>
    public ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> section)
    {
        var (offset, count) = Apply(section.Length);
        return section.Slice((int)offset, (int)count);
    }
}
