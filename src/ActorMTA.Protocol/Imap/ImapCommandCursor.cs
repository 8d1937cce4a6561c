using System.Globalization;
using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Reads tokens from a command that arrived as lines with literals between them: literal i follows
/// line i, whose last bytes are its {n} or {n+} marker. Throws <see cref="ImapSyntaxException"/>
/// on anything that does not fit.
/// </summary>
internal sealed class ImapCommandCursor(IReadOnlyList<byte[]> lines, IReadOnlyList<ImapAppendMessage> literals)
{
    private static readonly UTF8Encoding LenientUtf8 = new(false, false);
    private int lineIndex;
    private int position;

    private byte[] Line => lines[lineIndex];

    public bool AtEnd => position >= Line.Length && lineIndex == lines.Count - 1;

    public int Peek() => position < Line.Length ? Line[position] : -1;

    public bool PeekIs(char c) => Peek() == c;

    public bool TryConsume(char c)
    {
        if (!PeekIs(c)) return false;
        position++;
        return true;
    }

    public void Expect(char c, string context)
    {
        if (!TryConsume(c)) throw new ImapSyntaxException(c == ' ' ? $"Missing argument: {context}" : $"Expected '{c}' in {context}");
    }

    public void ExpectSpace(string context) => Expect(' ', context);

    public void ExpectEnd()
    {
        if (!AtEnd) throw new ImapSyntaxException("Unexpected extra arguments");
    }

    /// <summary>A run of bytes accepted by <paramref name="accept"/>, as ASCII text (may be empty).</summary>
    public string ReadWhile(Func<byte, bool> accept)
    {
        var start = position;
        while (position < Line.Length && accept(Line[position])) position++;
        return Encoding.ASCII.GetString(Line, start, position - start);
    }

    public string ReadAtom(string context)
    {
        var atom = ReadWhile(ImapWireText.IsAtomChar);
        if (atom.Length == 0) throw new ImapSyntaxException($"Expected {context}");
        return atom;
    }

    /// <summary>number: 1*DIGIT, at most 2^63-1 here (callers narrow it).</summary>
    public long ReadNumber(string context)
    {
        var digits = ReadWhile(b => b is >= (byte)'0' and <= (byte)'9');
        if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new ImapSyntaxException($"Expected a number for {context}");
        return value;
    }

    public uint ReadNumber32(string context)
    {
        var value = ReadNumber(context);
        if (value > uint.MaxValue) throw new ImapSyntaxException($"Number out of range for {context}");
        return (uint)value;
    }

    /// <summary>astring: atom-like run of ASTRING-CHARs, a quoted string or a literal.</summary>
    public byte[] ReadAstringBytes(string context)
    {
        if (PeekIs('"') || PeekIs('{')) return ReadStringBytes(context);
        var start = position;
        while (position < Line.Length && ImapWireText.IsAstringChar(Line[position])) position++;
        if (position == start) throw new ImapSyntaxException($"Expected {context}");
        return Line[start..position];
    }

    public string ReadAstring(string context) => LenientUtf8.GetString(ReadAstringBytes(context));

    /// <summary>string: quoted or literal.</summary>
    public byte[] ReadStringBytes(string context)
    {
        if (PeekIs('"')) return ReadQuoted(context);
        if (PeekIs('{'))
        {
            var literal = ReadLiteral(context);
            return literal.Content?.ToArray() ?? throw new ImapSyntaxException($"Literal for {context} was not kept");
        }
        throw new ImapSyntaxException($"Expected a string for {context}");
    }

    public string ReadString(string context) => LenientUtf8.GetString(ReadStringBytes(context));

    /// <summary>nstring: NIL (null) or string.</summary>
    public string? ReadNString(string context)
    {
        if (TryConsumeWord("NIL")) return null;
        return ReadString(context);
    }

    /// <summary>list-mailbox: 1*list-char or string.</summary>
    public string ReadListMailbox()
    {
        if (PeekIs('"') || PeekIs('{')) return ReadString("mailbox pattern");
        var start = position;
        while (position < Line.Length && ImapWireText.IsListChar(Line[position])) position++;
        if (position == start) throw new ImapSyntaxException("Expected a mailbox pattern");
        return LenientUtf8.GetString(Line, start, position - start);
    }

    /// <summary>The next literal: its {n} / {n+} marker must end the current line.</summary>
    public ImapAppendMessage ReadLiteral(string context)
    {
        Expect('{', context);
        var size = ReadNumber($"literal size of {context}");
        TryConsume('+');
        Expect('}', context);
        if (position != Line.Length || lineIndex >= literals.Count)
            throw new ImapSyntaxException($"Malformed literal for {context}");
        var literal = literals[lineIndex];
        if (literal.Size != size) throw new ImapSyntaxException($"Malformed literal for {context}");
        lineIndex++;
        position = 0;
        return literal;
    }

    /// <summary>Consumes <paramref name="word"/> (any case) when it is next and is followed by a
    /// delimiter (space, parenthesis or end), so NILS is not taken for NIL.</summary>
    public bool TryConsumeWord(string word)
    {
        if (position + word.Length > Line.Length) return false;
        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)Line[position + i]) != word[i]) return false;
        }
        var after = position + word.Length;
        if (after < Line.Length && Line[after] is not ((byte)' ' or (byte)'(' or (byte)')')) return false;
        position = after;
        return true;
    }

    private byte[] ReadQuoted(string context)
    {
        Expect('"', context);
        var value = new List<byte>();
        while (true)
        {
            if (position >= Line.Length) throw new ImapSyntaxException($"Unterminated quoted string for {context}");
            var b = Line[position++];
            if (b == (byte)'"') return [.. value];
            if (b == (byte)'\\')
            {
                if (position >= Line.Length || Line[position] is not ((byte)'"' or (byte)'\\'))
                    throw new ImapSyntaxException($"Bad escape in quoted string for {context}");
                b = Line[position++];
            }
            value.Add(b);
        }
    }
}
