namespace ActorMTA.Protocol.Imap;

/// <summary>
/// The RETURN options of SEARCH: MIN, MAX, ALL, COUNT (RFC 4731 ESEARCH) and SAVE (RFC 5182 SEARCHRES).
/// <c>RETURN ()</c> is <see cref="All"/>.
/// </summary>
[Flags]
public enum SearchReturn
{
    None = 0,
    Min = 1,
    Max = 2,
    All = 4,
    Count = 8,
    Save = 16,
}
