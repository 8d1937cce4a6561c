using System.Globalization;
using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Assembles client commands from lines (without CRLF) and literals, one instance per connection.
/// The I/O adapter feeds a line with <see cref="OnLine"/> and does what the result says: nothing more
/// to do (<see cref="ImapReadResult.NeedLine"/>), execute a command, read or discard a literal, or send
/// a rejection. Limits are checked before any literal byte is requested: a synchronizing literal over
/// the limit is refused outright (RFC 3501 section 7.5), a LITERAL+ one (RFC 7888) is discarded unread
/// and its command rejected once complete.
/// </summary>
public sealed class ImapCommandReader
{
    private static readonly HashSet<string> KnownCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "SELECT", "EXAMINE", "CREATE",
        "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE",
        "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID", "IDLE", "NAMESPACE",
        "ENABLE", "ID", "GETQUOTA", "GETQUOTAROOT", "SETQUOTA",
    };

    private readonly ImapServerOptions _options;
    private readonly List<byte[]> _lines = [];
    private readonly List<ImapAppendMessage> _literals = [];
    private long _commandSize;
    private string? _tag;
    private Expecting _expecting = Expecting.Line;
    private long _expectedLiteralSize;
    private bool _expectedLiteralIsMessage;
    private ImapResponse.StatusResponse? _rejection;

    public ImapCommandReader(ImapServerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxCommandSize);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxLiteralSize);
        _options = options;
    }

    private enum Expecting
    {
        Line,
        Literal,
        Discard,
    }

    /// <summary>The client has logged in: literals up to the normal limits are accepted from now on, not only
    /// <see cref="ImapServerOptions.MaxLiteralBeforeAuth"/>.</summary>
    public bool Authenticated { get; set; }

    /// <summary>Part of a command has been received and its rest is awaited.</summary>
    public bool IsInsideCommand => _lines.Count > 0;

    /// <summary>One line of client input, without its CRLF.</summary>
    public ImapReadResult OnLine(ReadOnlySpan<byte> line)
    {
        if (_expecting != Expecting.Line) throw new InvalidOperationException($"A literal is expected, not a line ({_expecting}).");

        var marker = FindLiteralMarker(line);
        if (_rejection is not null) return ContinueRejected(marker);

        if (_lines.Count == 0)
        {
            if (line.IsEmpty) return Fail(null, "Empty command line");
            _tag = ImapCommandParser.ReadTag(line);
        }
        _lines.Add(line.ToArray());
        _commandSize += line.Length + 2;
        if (_commandSize > _options.MaxCommandSize) return Reject(marker, ImapStatus.Bad, null, "Command too long");

        if (marker is null) return ParseCommand();
        if (marker.Value.Size < 0) return Reject(marker, ImapStatus.Bad, null, "Invalid literal size");
        if (!Authenticated && marker.Value.Size > _options.MaxLiteralBeforeAuth)
        {
            // Before login nobody needs a large literal; do not read megabytes for an anonymous client. A LITERAL+
            // one is already coming: rather than read and drop it, end the connection (as Dovecot does).
            if (!marker.Value.NonSynchronizing) return Reject(marker, ImapStatus.Bad, null, "Literal too large before authentication");
            var tag = _tag;
            Reset();
            return new ImapReadResult.Fatal(tag, new ImapResponse.StatusResponse(tag, ImapStatus.Bad, null, "Literal too large before authentication"));
        }

        if (_lines.Count == 1 && RefuseBeforeLiteral(line) is { } refusal) return Reject(marker, ImapStatus.Bad, null, refusal);

        var (size, nonSynchronizing) = marker.Value;
        var isMessage = ImapCommandParser.IsAppendMessagePending(_lines, _literals);
        if (isMessage && size > _options.MaxLiteralSize)
            return Reject(marker, ImapStatus.No, ImapResponseCode.TooBig, "Message too large");
        if (!isMessage && _commandSize + size > _options.MaxCommandSize)
            return Reject(marker, ImapStatus.Bad, null, "Literal too large");

        _expecting = Expecting.Literal;
        _expectedLiteralSize = size;
        _expectedLiteralIsMessage = isMessage;
        return new ImapReadResult.NeedLiteral(size, nonSynchronizing, isMessage);
    }

    /// <summary>The bytes of the literal asked for by <see cref="ImapReadResult.NeedLiteral"/>.</summary>
    public ImapReadResult OnLiteral(ReadOnlySpan<byte> data)
    {
        if (_expecting != Expecting.Literal) throw new InvalidOperationException("No literal is expected.");
        if (data.Length != _expectedLiteralSize) throw new ArgumentException($"Expected {_expectedLiteralSize} bytes, got {data.Length}.", nameof(data));
        _literals.Add(new ImapAppendMessage(data.Length, data.ToArray()));
        if (!_expectedLiteralIsMessage) _commandSize += data.Length;
        _expecting = Expecting.Line;
        return ImapReadResult.NeedLine.Instance;
    }

    /// <summary>The adapter read (spooled) the APPEND message literal itself; the command's
    /// <see cref="ImapAppendMessage.Content"/> will be null.</summary>
    public ImapReadResult OnLiteralConsumed()
    {
        if (_expecting != Expecting.Literal || !_expectedLiteralIsMessage)
            throw new InvalidOperationException("Only an APPEND message literal may be consumed by the adapter.");
        _literals.Add(new ImapAppendMessage(_expectedLiteralSize, null));
        _expecting = Expecting.Line;
        return ImapReadResult.NeedLine.Instance;
    }

    /// <summary>The bytes asked for by <see cref="ImapReadResult.DiscardLiteral"/> were read and dropped.</summary>
    public ImapReadResult OnLiteralDiscarded()
    {
        if (_expecting != Expecting.Discard) throw new InvalidOperationException("No literal is being discarded.");
        _expecting = Expecting.Line;
        return ImapReadResult.NeedLine.Instance;
    }

    /// <summary>The adapter's line reader dropped a line over its length limit: the command is lost.</summary>
    public ImapReadResult OnLineTooLong()
    {
        var knownTag = _rejection is null && _lines.Count > 0 ? _tag : null;
        Reset();
        return Fail(knownTag, "Command line too long");
    }

    /// <summary>Forget any partial command (e.g. after STARTTLS, when plaintext input must be dropped).</summary>
    public void Reset()
    {
        _lines.Clear();
        _literals.Clear();
        _commandSize = 0;
        _tag = null;
        _expecting = Expecting.Line;
        _rejection = null;
    }

    private ImapReadResult ParseCommand()
    {
        try
        {
            var command = ImapCommandParser.Parse(_lines, _literals);
            Reset();
            return new ImapReadResult.Complete(command);
        }
        catch (ImapSyntaxException e)
        {
            var knownTag = _tag;
            Reset();
            return new ImapReadResult.Error(knownTag, new ImapResponse.StatusResponse(knownTag, e.Status, e.Code, e.Message));
        }
    }

    /// <summary>RFC 3501 section 7.5 example: an unknown command announcing a literal is refused
    /// without asking for it.</summary>
    private string? RefuseBeforeLiteral(ReadOnlySpan<byte> line)
    {
        if (_tag is null) return "Invalid tag";
        var rest = line[(_tag.Length + (line.Length > _tag.Length ? 1 : 0))..];
        var end = rest.IndexOf((byte)' ');
        var name = Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
        return KnownCommands.Contains(name) ? null : "Unknown command";
    }

    private ImapReadResult Reject((long Size, bool NonSynchronizing)? marker, ImapStatus status, ImapResponseCode? code, string text)
    {
        var response = new ImapResponse.StatusResponse(_tag, status, code, text);
        if (marker is { NonSynchronizing: true, Size: >= 0 } pending)
        {
            // LITERAL+: the bytes are already on their way; drop them, then reject the whole command.
            _rejection = response;
            _expecting = Expecting.Discard;
            return new ImapReadResult.DiscardLiteral(pending.Size);
        }
        var knownTag = _tag;
        Reset();
        return new ImapReadResult.Error(knownTag, response);
    }

    private ImapReadResult ContinueRejected((long Size, bool NonSynchronizing)? marker)
    {
        if (marker is { NonSynchronizing: true, Size: >= 0 } pending)
        {
            _expecting = Expecting.Discard;
            return new ImapReadResult.DiscardLiteral(pending.Size);
        }
        // End of the command, or a synchronizing literal the client waits to be invited for: answer now.
        var response = _rejection!;
        var knownTag = _tag;
        Reset();
        return new ImapReadResult.Error(knownTag, response);
    }

    private static ImapReadResult Fail(string? tag, string text) =>
        new ImapReadResult.Error(tag, new ImapResponse.StatusResponse(tag, ImapStatus.Bad, null, text));

    /// <summary>
    /// The {n} or {n+} that ends a line, outside any quoted string. Size -1 marks a marker whose
    /// number is not valid.
    /// </summary>
    public static (long Size, bool NonSynchronizing)? FindLiteralMarker(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[^1] != (byte)'}') return null;
        var open = line.LastIndexOf((byte)'{');
        if (open < 0) return null;
        var inQuote = false;
        for (var i = 0; i < open; i++)
        {
            var b = line[i];
            if (inQuote && b == (byte)'\\') i++;
            else if (b == (byte)'"') inQuote = !inQuote;
        }
        if (inQuote) return null;
        var inner = line[(open + 1)..^1];
        var nonSynchronizing = inner.Length > 0 && inner[^1] == (byte)'+';
        if (nonSynchronizing) inner = inner[..^1];
        if (inner.IsEmpty || inner.Length > 18) return (-1, nonSynchronizing);
        foreach (var b in inner)
        {
            if (b is < (byte)'0' or > (byte)'9') return (-1, nonSynchronizing);
        }
        return (long.Parse(Encoding.ASCII.GetString(inner), NumberStyles.None, CultureInfo.InvariantCulture), nonSynchronizing);
    }
}
