namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// One client command split into an upper-cased keyword and its arguments. <see cref="Rest"/> keeps
/// everything after the first space verbatim, because RFC 1939 lets a password contain spaces.
/// </summary>
internal sealed record Pop3CommandLine(string Keyword, IReadOnlyList<string> Arguments, string Rest)
{
    /// <summary>Decodes a line without CRLF; null if it is not valid UTF-8.</summary>
    public static string? Decode(ReadOnlySpan<byte> line) => Text.StrictUtf8.Decode(line);

    public static Pop3CommandLine Parse(string line)
    {
        var space = line.IndexOf(' ');
        var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? string.Empty : line[(space + 1)..];
        // Tolerate repeated and trailing blanks between arguments; only PASS uses Rest.
        var arguments = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return new Pop3CommandLine(keyword, arguments, rest);
    }
}
