using System.Buffers;
using System.Text;

namespace ActorMTA.Protocol.Text;

/// <summary>What <see cref="HeaderSectionFilter.Filter"/> reached.</summary>
public enum HeaderFilterStatus
{
    /// <summary>Still inside the header section; all input was used.</summary>
    NeedMoreData,

    /// <summary>The empty line that ends the header section was consumed (not written): the caller adds
    /// its own fields, then the empty line, then passes the body through.</summary>
    EndOfHeader,

    /// <summary>The header section is longer than the limit: the rest of the message, header or not, is
    /// passed through unexamined.</summary>
    LimitExceeded,
}

/// <summary>
/// Streams the header section of an incoming message (RFC 5322 section 2.2) without holding it: drops the
/// client's Return-Path: fields (RFC 5321 section 4.4: only the final delivery adds one; Postfix's
/// message_drop_headers), counts Received: fields (the hop count of RFC 5321 section 6.3) and notes whether
/// Message-ID: and Date: are present. A field named as <em>taken</em> (ActorMTA's X-ActorMTA-Pool, an instruction
/// to this server, not part of the message) is dropped too, and the value of its first occurrence kept. Only the
/// start of the current line is held back, until its field name is known. Input may be split anywhere. One
/// instance per message.
/// </summary>
public sealed class HeaderSectionFilter
{
    // A field name longer than this is none of the names looked for; the line is kept.
    private const int MaxHeld = 64;

    // A taken field's value beyond this is cut: it names something short (a pool), and must not hold memory.
    private const int MaxTakenValue = 256;

    private enum LineFate
    {
        Undecided,
        Keep,
        Drop,
        Take,
        KeepAndCapture,
    }

    private readonly long _maxHeaderSize;
    private readonly string? _takenField;
    private List<byte>? _taken;
    private List<byte>? _messageId;
    private bool _fieldCaptured;
    private readonly byte[] _held = new byte[MaxHeld + 1];
    private int _heldCount;
    private bool _lineStart = true;
    private LineFate _fate = LineFate.Keep;
    private bool _fieldDropped;

    // The field being dropped is the first taken one: its bytes go to _taken.
    private bool _fieldTaken;
    private long _headerBytes;
    private bool _done;
    private bool _lastWrittenWasLf = true;

    /// <param name="maxHeaderSize">Octets of header section examined; beyond them the filter gives up.</param>
    /// <param name="takenField">A field to drop and keep the value of (<see cref="TakenValue"/>); any case.</param>
    public HeaderSectionFilter(long maxHeaderSize, string? takenField = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderSize, 1);
        if (takenField is { Length: 0 or > MaxHeld - 1 }) throw new ArgumentException("a field name of 1 to 63 characters", nameof(takenField));
        _maxHeaderSize = maxHeaderSize;
        _takenField = takenField?.ToLowerInvariant();
    }

    /// <summary>The value of the first taken field, unfolded and trimmed (Latin-1 decoded, as header bytes may be
    /// anything); null when there was none.</summary>
    public string? TakenValue => _taken is null ? null : UnfoldedValue(_taken);

    /// <summary>The value of the first Message-ID: field, unfolded and trimmed (kept in the message, unlike a taken
    /// field); null when there was none. Delivery events name the message by it.</summary>
    public string? MessageId => _messageId is null ? null : UnfoldedValue(_messageId);

    /// <summary>Received: fields seen in the header section.</summary>
    public int ReceivedFields { get; private set; }

    public bool HasMessageId { get; private set; }

    public bool HasDate { get; private set; }

    /// <summary>What has been written does not end with a line end (only meaningful at the end of content).</summary>
    public bool EndsMidLine => !_lastWrittenWasLf;

    /// <summary>Filters header bytes to <paramref name="output"/>; stops at the end of the header section.</summary>
    /// <param name="consumed">Input used; when not <see cref="HeaderFilterStatus.NeedMoreData"/>, the rest
    /// of the input is body (or unexamined) and belongs to the caller.</param>
    public HeaderFilterStatus Filter(ReadOnlySpan<byte> input, IBufferWriter<byte> output, out int consumed)
    {
        if (_done) throw new InvalidOperationException("The header section has already ended.");
        var i = 0;
        while (i < input.Length)
        {
            if (_headerBytes >= _maxHeaderSize)
            {
                FlushHeld(output);
                _done = true;
                consumed = i;
                return HeaderFilterStatus.LimitExceeded;
            }
            var b = input[i];
            if (!_lineStart && _fate != LineFate.Undecided)
            {
                // The rest of a decided line goes in one piece, up to and including its LF.
                var lf = input[i..].IndexOf((byte)'\n');
                var end = lf < 0 ? input.Length : i + lf + 1;
                end = (int)Math.Min(end, i + (_maxHeaderSize - _headerBytes));
                if (_fate is LineFate.Keep or LineFate.KeepAndCapture) Write(output, input[i..end]);
                if (_fate == LineFate.Take) Keep(_taken!, input[i..end]);
                else if (_fate == LineFate.KeepAndCapture) Keep(_messageId!, input[i..end]);
                _headerBytes += end - i;
                if (input[end - 1] == (byte)'\n') _lineStart = true;
                i = end;
                continue;
            }
            _headerBytes++;
            i++;
            if (_lineStart)
            {
                _lineStart = false;
                if (b == (byte)'\n' || (_heldCount == 1 && _held[0] == (byte)'\r' && b == (byte)'\n'))
                {
                    _heldCount = 0;
                    _done = true;
                    consumed = i;
                    return HeaderFilterStatus.EndOfHeader;
                }
                if (b == (byte)'\r' && _heldCount == 0)
                {
                    // Perhaps the CR of the empty line: hold it.
                    _held[_heldCount++] = b;
                    _lineStart = true;
                    continue;
                }
                if (_heldCount == 0 && b is (byte)' ' or (byte)'\t')
                {
                    // A folded continuation belongs to the field above.
                    _fate = FateOfField();
                    if (_fate is LineFate.Keep or LineFate.KeepAndCapture) WriteByte(output, b);
                    if (_fate == LineFate.Take) Keep(_taken!, [b]);
                    else if (_fate == LineFate.KeepAndCapture) Keep(_messageId!, [b]);
                    continue;
                }
                _fate = LineFate.Undecided;
            }
            _held[_heldCount++] = b;
            if (b == (byte)':' || b == (byte)'\n' || _heldCount > MaxHeld) Decide(output, b);
        }
        consumed = input.Length;
        return HeaderFilterStatus.NeedMoreData;
    }

    /// <summary>The content ended inside the header section (no empty line): writes what is held back.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_done) return;
        _done = true;
        FlushHeld(output);
    }

    private void Decide(IBufferWriter<byte> output, byte last)
    {
        var name = last == (byte)':' ? FieldName() : null;
        var taken = name is not null && name == _takenField;
        _fieldDropped = taken || (name is not null && name.Equals("return-path", StringComparison.Ordinal));
        _fieldTaken = taken && _taken is null;
        if (_fieldTaken) _taken = new List<byte>();
        if (name == "received") ReceivedFields++;
        else if (name == "date") HasDate = true;
        _fieldCaptured = name == "message-id" && !HasMessageId;
        if (_fieldCaptured)
        {
            HasMessageId = true;
            _messageId = new List<byte>();
        }
        _fate = FateOfField();
        if (_fate is LineFate.Keep or LineFate.KeepAndCapture) Write(output, _held.AsSpan(0, _heldCount));
        _heldCount = 0;
        if (last == (byte)'\n') _lineStart = true;
    }

    // The held bytes before the colon, lower-cased, without the white space the obsolete syntax allows
    // before the colon (RFC 5322 section 4.5).
    private string FieldName() =>
        Encoding.Latin1.GetString(_held, 0, _heldCount - 1).TrimEnd(' ', '\t').ToLowerInvariant();

    private LineFate FateOfField() =>
        _fieldDropped ? _fieldTaken ? LineFate.Take : LineFate.Drop : _fieldCaptured ? LineFate.KeepAndCapture : LineFate.Keep;

    private static void Keep(List<byte> value, ReadOnlySpan<byte> bytes)
    {
        var room = MaxTakenValue - value.Count;
        if (room > 0) value.AddRange(bytes[..Math.Min(room, bytes.Length)]);
    }

    // RFC 5322 section 2.2.3: unfolding removes the CRLFs before folding white space.
    private static string UnfoldedValue(List<byte> bytes) =>
        Encoding.Latin1.GetString(bytes.ToArray()).Replace("\r", "").Replace("\n", "").Trim(' ', '\t');

    private void FlushHeld(IBufferWriter<byte> output)
    {
        if (_heldCount == 0) return;
        Write(output, _held.AsSpan(0, _heldCount));
        _heldCount = 0;
        _fate = LineFate.Keep;
    }

    private void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return;
        output.Write(bytes);
        _lastWrittenWasLf = bytes[^1] == (byte)'\n';
    }

    private void WriteByte(IBufferWriter<byte> output, byte b) => Write(output, [b]);
}
