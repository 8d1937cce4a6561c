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
/// Message-ID: and Date: are present. Only the start of the current line is held back, until its field
/// name is known. Input may be split anywhere. One instance per message.
/// </summary>
public sealed class HeaderSectionFilter
{
    // A field name longer than this is none of the names looked for; the line is kept.
    private const int MaxHeld = 64;

    private enum LineFate
    {
        Undecided,
        Keep,
        Drop,
    }

    private readonly long maxHeaderSize;
    private readonly byte[] held = new byte[MaxHeld + 1];
    private int heldCount;
    private bool lineStart = true;
    private LineFate fate = LineFate.Keep;
    private bool fieldDropped;
    private long headerBytes;
    private bool done;
    private bool lastWrittenWasLf = true;

    /// <param name="maxHeaderSize">Octets of header section examined; beyond them the filter gives up.</param>
    public HeaderSectionFilter(long maxHeaderSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderSize, 1);
        this.maxHeaderSize = maxHeaderSize;
    }

    /// <summary>Received: fields seen in the header section.</summary>
    public int ReceivedFields { get; private set; }

    public bool HasMessageId { get; private set; }

    public bool HasDate { get; private set; }

    /// <summary>What has been written does not end with a line end (only meaningful at the end of content).</summary>
    public bool EndsMidLine => !lastWrittenWasLf;

    /// <summary>Filters header bytes to <paramref name="output"/>; stops at the end of the header section.</summary>
    /// <param name="consumed">Input used; when not <see cref="HeaderFilterStatus.NeedMoreData"/>, the rest
    /// of the input is body (or unexamined) and belongs to the caller.</param>
    public HeaderFilterStatus Filter(ReadOnlySpan<byte> input, IBufferWriter<byte> output, out int consumed)
    {
        if (done) throw new InvalidOperationException("The header section has already ended.");
        var i = 0;
        while (i < input.Length)
        {
            if (headerBytes >= maxHeaderSize)
            {
                FlushHeld(output);
                done = true;
                consumed = i;
                return HeaderFilterStatus.LimitExceeded;
            }
            var b = input[i];
            if (!lineStart && fate != LineFate.Undecided)
            {
                // The rest of a decided line goes in one piece, up to and including its LF.
                var lf = input[i..].IndexOf((byte)'\n');
                var end = lf < 0 ? input.Length : i + lf + 1;
                end = (int)Math.Min(end, i + (maxHeaderSize - headerBytes));
                if (fate == LineFate.Keep) Write(output, input[i..end]);
                headerBytes += end - i;
                if (input[end - 1] == (byte)'\n') lineStart = true;
                i = end;
                continue;
            }
            headerBytes++;
            i++;
            if (lineStart)
            {
                lineStart = false;
                if (b == (byte)'\n' || (heldCount == 1 && held[0] == (byte)'\r' && b == (byte)'\n'))
                {
                    heldCount = 0;
                    done = true;
                    consumed = i;
                    return HeaderFilterStatus.EndOfHeader;
                }
                if (b == (byte)'\r' && heldCount == 0)
                {
                    // Perhaps the CR of the empty line: hold it.
                    held[heldCount++] = b;
                    lineStart = true;
                    continue;
                }
                if (heldCount == 0 && b is (byte)' ' or (byte)'\t')
                {
                    // A folded continuation belongs to the field above.
                    fate = fieldDropped ? LineFate.Drop : LineFate.Keep;
                    if (fate == LineFate.Keep) WriteByte(output, b);
                    continue;
                }
                fate = LineFate.Undecided;
            }
            held[heldCount++] = b;
            if (b == (byte)':' || b == (byte)'\n' || heldCount > MaxHeld) Decide(output, b);
        }
        consumed = input.Length;
        return HeaderFilterStatus.NeedMoreData;
    }

    /// <summary>The content ended inside the header section (no empty line): writes what is held back.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (done) return;
        done = true;
        FlushHeld(output);
    }

    private void Decide(IBufferWriter<byte> output, byte last)
    {
        var name = last == (byte)':' ? FieldName() : null;
        fieldDropped = name is not null && name.Equals("return-path", StringComparison.Ordinal);
        if (name == "received") ReceivedFields++;
        else if (name == "message-id") HasMessageId = true;
        else if (name == "date") HasDate = true;
        fate = fieldDropped ? LineFate.Drop : LineFate.Keep;
        if (fate == LineFate.Keep) Write(output, held.AsSpan(0, heldCount));
        heldCount = 0;
        if (last == (byte)'\n') lineStart = true;
    }

    // The held bytes before the colon, lower-cased, without the white space the obsolete syntax allows
    // before the colon (RFC 5322 section 4.5).
    private string FieldName() =>
        Encoding.Latin1.GetString(held, 0, heldCount - 1).TrimEnd(' ', '\t').ToLowerInvariant();

    private void FlushHeld(IBufferWriter<byte> output)
    {
        if (heldCount == 0) return;
        Write(output, held.AsSpan(0, heldCount));
        heldCount = 0;
        fate = LineFate.Keep;
    }

    private void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return;
        output.Write(bytes);
        lastWrittenWasLf = bytes[^1] == (byte)'\n';
    }

    private void WriteByte(IBufferWriter<byte> output, byte b) => Write(output, [b]);
}
