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
    private int _lineIndex;
    private int _position;

    private byte[] Line => lines[_lineIndex];

    public bool AtEnd => _position >= Line.Length && _lineIndex == lines.Count - 1;

    public int Peek() => _position < Line.Length ? Line[_position] : -1;

    public bool PeekIs(char c) => Peek() == c;

    public bool TryConsume(char c)
    {
        if (!PeekIs(c)) return false;
        _position++;
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
        var start = _position;
        while (_position < Line.Length && accept(Line[_position])) _position++;
        return Encoding.ASCII.GetString(Line, start, _position - start);
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

    /// <summary>astring: atom-like run of ASTRING-CHARs, a quoted string or a literal.</summary>
    public byte[] ReadAstringBytes(string context)
    {
        if (PeekIs('"') || PeekIs('{')) return ReadStringBytes(context);
        var start = _position;
        while (_position < Line.Length && ImapWireText.IsAstringChar(Line[_position])) _position++;
        if (_position == start) throw new ImapSyntaxException($"Expected {context}");
        return Line[start.._position];
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
        var start = _position;
        while (_position < Line.Length && ImapWireText.IsListChar(Line[_position])) _position++;
        if (_position == start) throw new ImapSyntaxException("Expected a mailbox pattern");
        return LenientUtf8.GetString(Line, start, _position - start);
    }

    /// <summary>The next literal: its {n} / {n+} marker must end the current line.</summary>
    public ImapAppendMessage ReadLiteral(string context)
    {
        Expect('{', context);
        var size = ReadNumber($"literal size of {context}");
        TryConsume('+');
        Expect('}', context);
        if (_position != Line.Length || _lineIndex >= literals.Count)
            throw new ImapSyntaxException($"Malformed literal for {context}");
        var literal = literals[_lineIndex];
        if (literal.Size != size) throw new ImapSyntaxException($"Malformed literal for {context}");
        _lineIndex++;
        _position = 0;
        return literal;
    }

    /// <summary>Consumes <paramref name="word"/> (any case) when it is next and is followed by a
    /// delimiter (space, parenthesis or end), so NILS is not taken for NIL.</summary>
    public bool TryConsumeWord(string word)
    {
        if (_position + word.Length > Line.Length) return false;
        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)Line[_position + i]) != word[i]) return false;
        }
        var after = _position + word.Length;
        if (after < Line.Length && Line[after] is not ((byte)' ' or (byte)'(' or (byte)')')) return false;
        _position = after;
        return true;
    }

    private byte[] ReadQuoted(string context)
    {
        Expect('"', context);
        var value = new List<byte>();
        while (true)
        {
            if (_position >= Line.Length) throw new ImapSyntaxException($"Unterminated quoted string for {context}");
            var b = Line[_position++];
            if (b == (byte)'"') return [.. value];
            if (b == (byte)'\\')
            {
                if (_position >= Line.Length || Line[_position] is not ((byte)'"' or (byte)'\\'))
                    throw new ImapSyntaxException($"Bad escape in quoted string for {context}");
                b = Line[_position++];
            }
            value.Add(b);
        }
    }
}
