namespace ActorMTA.Protocol.Smtp;

/// <summary>A command line split into its verb (upper-cased) and the text after the first space.</summary>
public readonly record struct SmtpCommandLine(string Verb, string Arguments)
{
    /// <summary>Decodes a line (UTF-8, which includes ASCII); null if the bytes are not valid UTF-8.</summary>
    public static string? Decode(ReadOnlySpan<byte> line) => Text.StrictUtf8.Decode(line);

    public static SmtpCommandLine Parse(string text)
    {
        var space = text.IndexOf(' ');
        return space < 0
            ? new SmtpCommandLine(text.ToUpperInvariant(), "")
            : new SmtpCommandLine(text[..space].ToUpperInvariant(), text[(space + 1)..]);
    }
}
