namespace ActorMTA.Integration.Tests.Harness;

/// <summary>One (possibly multi-line) SMTP reply as the client saw it.</summary>
public sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The RFC 3463 enhanced status code of the last line ("5.5.1"), or null.</summary>
    public string? EnhancedCode
    {
        get
        {
            var text = Lines[^1];
            var word = text.Split(' ', 2)[0];
            var parts = word.Split('.');
            return parts.Length == 3 && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)) ? word : null;
        }
    }

    /// <summary>"250 2.0.0 Ok" form of the last line, for assertion messages.</summary>
    public override string ToString() => $"{Code} {string.Join(" | ", Lines)}";

    public static SmtpReply Parse(IReadOnlyList<string> rawLines)
    {
        var code = int.Parse(rawLines[0].AsSpan(0, 3));
        return new SmtpReply(code, rawLines.Select(l => l.Length > 4 ? l[4..] : "").ToList());
    }
}
