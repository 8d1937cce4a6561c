using System.Buffers;
using System.Text;

namespace ActorMTA.Protocol.Smtp;

/// <summary>
/// One SMTP reply (RFC 5321 section 4.2): a three-digit code, an optional RFC 3463 enhanced status code
/// (repeated on every line, RFC 2034) and one or more text lines.
/// </summary>
public sealed record SmtpReply
{
    public SmtpReply(int code, string? enhancedCode, IReadOnlyList<string> lines)
    {
        if (code is < 200 or > 599) throw new ArgumentOutOfRangeException(nameof(code), code, "SMTP reply codes are 2xx-5xx.");
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0) throw new ArgumentException("A reply has at least one line.", nameof(lines));
        foreach (var line in lines)
        {
            ArgumentNullException.ThrowIfNull(line, nameof(lines));
            // A CR or LF inside the text would let the text forge further replies.
            if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException("Reply text must not contain CR or LF.", nameof(lines));
            }
        }
        if (enhancedCode is not null && !IsEnhancedCodeFor(code, enhancedCode))
        {
            throw new ArgumentException($"'{enhancedCode}' is not an enhanced status code matching {code}.", nameof(enhancedCode));
        }
        Code = code;
        EnhancedCode = enhancedCode;
        Lines = lines.ToArray();
    }

    public SmtpReply(int code, string? enhancedCode, string text) : this(code, enhancedCode, [text])
    {
    }

    public int Code { get; }

    /// <summary>For example "2.1.0"; null for replies that carry none (greeting, EHLO/HELO, 334, 354).</summary>
    public string? EnhancedCode { get; }

    public IReadOnlyList<string> Lines { get; }

    public bool IsPositive => Code < 400;

    public bool IsTransientFailure => Code is >= 400 and < 500;

    public bool IsPermanentFailure => Code >= 500;

    /// <summary>Writes the wire form: every line but the last as "code-", the last as "code ", each ending in CRLF.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        for (var i = 0; i < Lines.Count; i++)
        {
            var line = FormatLine(i);
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
            var written = Encoding.UTF8.GetBytes(line, span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
        }
    }

    public byte[] ToBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The wire lines joined by CRLF, without the final CRLF ("250 2.0.0 Ok").</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            if (i > 0) builder.Append("\r\n");
            builder.Append(FormatLine(i));
        }
        return builder.ToString();
    }

    public bool Equals(SmtpReply? other) =>
        other is not null && Code == other.Code && EnhancedCode == other.EnhancedCode && Lines.SequenceEqual(other.Lines);

    public override int GetHashCode() => HashCode.Combine(Code, EnhancedCode, Lines.Count, Lines[0]);

    private string FormatLine(int index)
    {
        var separator = index == Lines.Count - 1 ? ' ' : '-';
        var text = Lines[index];
        return EnhancedCode is null
            ? $"{Code}{separator}{text}"
            : $"{Code}{separator}{EnhancedCode} {text}";
    }

    // RFC 3463: class.subject.detail, the class equal to the first digit of the basic code.
    private static bool IsEnhancedCodeFor(int code, string enhanced)
    {
        var parts = enhanced.Split('.');
        if (parts.Length != 3) return false;
        if (parts[0] != (code / 100).ToString(System.Globalization.CultureInfo.InvariantCulture)) return false;
        return parts[1] is { Length: >= 1 and <= 3 } && parts[1].All(char.IsAsciiDigit)
            && parts[2] is { Length: >= 1 and <= 3 } && parts[2].All(char.IsAsciiDigit);
    }
}
