using System.Buffers;
using System.Globalization;
using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Writes responses in the syntax of RFC 3501 section 9. Strings go out quoted when they are plain
/// 7-bit text without CR, LF, quote or backslash, otherwise as literals; mailbox names as atoms when
/// they can be. Every response ends with CRLF.
/// </summary>
public static class ImapResponseFormatter
{
    /// <summary>The response as bytes. A FETCH with <see cref="ImapContent.Streamed"/> content needs
    /// <see cref="FormatSegments"/> instead.</summary>
    public static byte[] Format(ImapResponse response)
    {
        var segments = FormatSegments(response);
        if (segments is [ImapWireSegment.Bytes only]) return only.Data.ToArray();
        throw new InvalidOperationException("The response has streamed content; use FormatSegments.");
    }

    /// <summary>The response as byte runs and streamed payloads, in wire order.</summary>
    public static IReadOnlyList<ImapWireSegment> FormatSegments(ImapResponse response)
    {
        var writer = new Writer();
        Write(writer, response);
        return writer.Finish();
    }

    /// <summary>
    /// Writes the response straight into <paramref name="output"/>, without intermediate buffers (a FETCH of a
    /// whole folder writes thousands of responses). A streamed payload is handed to <paramref name="onPayload"/>
    /// at its place in the byte stream: everything before it is already in <paramref name="output"/>.
    /// </summary>
    public static void WriteTo(IBufferWriter<byte> output, ImapResponse response, Action<ImapContent.Streamed> onPayload) =>
        Write(new Writer(output, onPayload), response);

    private static void Write(Writer writer, ImapResponse response)
    {
        switch (response)
        {
            case ImapResponse.StatusResponse status:
                WriteStatus(writer, status);
                break;
            case ImapResponse.Continuation continuation:
                writer.Ascii("+ ").Text(continuation.Text);
                break;
            case ImapResponse.Exists exists:
                writer.Ascii("* ").Number(exists.Count).Ascii(" EXISTS");
                break;
            case ImapResponse.Recent recent:
                writer.Ascii("* ").Number(recent.Count).Ascii(" RECENT");
                break;
            case ImapResponse.Expunge expunge:
                writer.Ascii("* ").Number(expunge.SequenceNumber).Ascii(" EXPUNGE");
                break;
            case ImapResponse.Flags flags:
                writer.Ascii("* FLAGS ");
                WriteAtomList(writer, flags.Values);
                break;
            case ImapResponse.List list:
                writer.Ascii(list.Lsub ? "* LSUB " : "* LIST ");
                WriteAtomList(writer, list.Attributes);
                writer.Ascii(" ");
                WriteDelimiter(writer, list.Delimiter);
                writer.Ascii(" ").Astring(list.Mailbox);
                if (list.ChildInfo) writer.Ascii(" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
                break;
            case ImapResponse.MailboxStatus status:
                writer.Ascii("* STATUS ").Astring(status.Mailbox).Ascii(" (");
                for (var i = 0; i < status.Items.Count; i++)
                {
                    if (i > 0) writer.Ascii(" ");
                    writer.Ascii(StatusItemName(status.Items[i].Key)).Ascii(" ").Number(status.Items[i].Value);
                }
                writer.Ascii(")");
                break;
            case ImapResponse.Search search:
                writer.Ascii("* SEARCH");
                foreach (var number in search.Numbers) writer.Ascii(" ").Number(number);
                if (search.ModSeq is { } highest) writer.Ascii(" (MODSEQ ").Number(highest).Ascii(")");
                break;
            case ImapResponse.Vanished vanished:
                writer.Ascii(vanished.Earlier ? "* VANISHED (EARLIER) " : "* VANISHED ").Ascii(vanished.Uids.ToString());
                break;
            case ImapResponse.ESearch esearch:
                writer.Ascii("* ESEARCH (TAG ").String(esearch.Tag).Ascii(")");
                if (esearch.Uid) writer.Ascii(" UID");
                if (esearch.Min is { } min) writer.Ascii(" MIN ").Number(min);
                if (esearch.Max is { } max) writer.Ascii(" MAX ").Number(max);
                if (esearch.Count is { } count) writer.Ascii(" COUNT ").Number(count);
                if (esearch.All is { } all) writer.Ascii(" ALL ").Ascii(all.ToString());
                if (esearch.ModSeq is { } modSeq) writer.Ascii(" MODSEQ ").Number(modSeq);
                break;
            case ImapResponse.Sort sort:
                writer.Ascii("* SORT");
                foreach (var number in sort.Numbers) writer.Ascii(" ").Number(number);
                break;
            case ImapResponse.Thread thread:
                writer.Ascii(thread.Threads.Count == 0 ? "* THREAD" : "* THREAD ");
                foreach (var root in thread.Threads)
                {
                    writer.Ascii("(");
                    WriteThreadMembers(writer, root);
                    writer.Ascii(")");
                }
                break;
            case ImapResponse.QuotaRoot quotaRoot:
                writer.Ascii("* QUOTAROOT ").Astring(quotaRoot.Mailbox);
                foreach (var root in quotaRoot.Roots) writer.Ascii(" ").String(root);
                break;
            case ImapResponse.Quota quota:
                writer.Ascii("* QUOTA ").String(quota.Root).Ascii(" (");
                for (var i = 0; i < quota.Resources.Count; i++)
                {
                    if (i > 0) writer.Ascii(" ");
                    var (resource, usage, limit) = quota.Resources[i];
                    writer.Ascii(resource).Ascii(" ").Number(usage).Ascii(" ").Number(limit);
                }
                writer.Ascii(")");
                break;
            case ImapResponse.Capability capability:
                writer.Ascii("* CAPABILITY ").Ascii(string.Join(' ', capability.Capabilities));
                break;
            case ImapResponse.Enabled enabled:
                writer.Ascii("* ENABLED");
                foreach (var name in enabled.Capabilities) writer.Ascii(" ").Ascii(name);
                break;
            case ImapResponse.Namespace ns:
                writer.Ascii("* NAMESPACE ");
                WriteNamespaces(writer, ns.Personal);
                writer.Ascii(" ");
                WriteNamespaces(writer, ns.OtherUsers);
                writer.Ascii(" ");
                WriteNamespaces(writer, ns.Shared);
                break;
            case ImapResponse.Id id:
                writer.Ascii("* ID ");
                WriteId(writer, id.Parameters);
                break;
            case ImapResponse.Fetch fetch:
                WriteFetch(writer, fetch);
                break;
            default:
                throw new ArgumentException($"Unknown response {response.GetType().Name}", nameof(response));
        }
        writer.Ascii("\r\n");
    }

    /// <summary>
    /// RFC 5256 thread-members / thread-nested: a message and its only child are written in a row ("3 6"); two or more
    /// children are each a parenthesized list ("3 (4)(5)"); a placeholder writes only its children. Iterative: a thread
    /// may be thousands of levels deep.
    /// </summary>
    private static void WriteThreadMembers(Writer writer, ThreadNode start)
    {
        var pending = new Stack<object>();
        pending.Push(start);
        while (pending.TryPop(out var item))
        {
            if (item is string text)
            {
                writer.Ascii(text);
                continue;
            }
            var node = (ThreadNode)item;
            var first = true;
            while (true)
            {
                if (node.Number is { } number)
                {
                    if (!first) writer.Ascii(" ");
                    writer.Number(number);
                    first = false;
                }
                if (node.Children.Count == 1)
                {
                    node = node.Children[0];
                    continue;
                }
                if (node.Children.Count > 1)
                {
                    if (!first) writer.Ascii(" ");
                    for (var i = node.Children.Count - 1; i >= 0; i--)
                    {
                        pending.Push(")");
                        pending.Push(node.Children[i]);
                        pending.Push("(");
                    }
                }
                break;
            }
        }
    }

    /// <summary>The ENVELOPE list alone (for tests and logs).</summary>
    public static string FormatEnvelope(ImapEnvelope envelope)
    {
        var writer = new Writer();
        WriteEnvelope(writer, envelope);
        return writer.FinishAsText();
    }

    /// <summary>The BODY (<paramref name="extensible"/> false) or BODYSTRUCTURE list alone.</summary>
    public static string FormatBodyStructure(ImapBodyStructure body, bool extensible)
    {
        var writer = new Writer();
        WriteBody(writer, body, extensible);
        return writer.FinishAsText();
    }

    /// <summary>The prefix of a FETCH response whose only item is a body section that the caller streams
    /// (<c>* n FETCH (BODY[...] {size}\r\n</c>); after the bytes send <see cref="FetchSuffix"/>.</summary>
    public static byte[] FetchLiteralPrefix(uint sequenceNumber, string itemName, long? origin, long size)
    {
        var writer = new Writer();
        writer.Ascii("* ").Number(sequenceNumber).Ascii(" FETCH (").Ascii(itemName);
        if (origin is { } o) writer.Ascii("<").Number(o).Ascii(">");
        writer.Ascii(" {").Number(size).Ascii("}\r\n");
        return writer.FinishAsBytes();
    }

    /// <summary>")\r\n", the end of a FETCH response.</summary>
    public static ReadOnlySpan<byte> FetchSuffix => ")\r\n"u8;

    private static void WriteStatus(Writer writer, ImapResponse.StatusResponse status)
    {
        writer.Ascii(status.Tag ?? "*").Ascii(" ").Ascii(status.Status switch
        {
            ImapStatus.Ok => "OK",
            ImapStatus.No => "NO",
            ImapStatus.Bad => "BAD",
            ImapStatus.PreAuth => "PREAUTH",
            ImapStatus.Bye => "BYE",
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        });
        if (status.Code is not null) writer.Ascii(" [").Text(status.Code.Text).Ascii("]");
        if (status.Text.Length > 0) writer.Ascii(" ").Text(status.Text);
    }

    private static void WriteFetch(Writer writer, ImapResponse.Fetch fetch)
    {
        writer.Ascii("* ").Number(fetch.SequenceNumber).Ascii(" FETCH (");
        for (var i = 0; i < fetch.Items.Count; i++)
        {
            if (i > 0) writer.Ascii(" ");
            switch (fetch.Items[i])
            {
                case ImapFetchItem.Flags flags:
                    writer.Ascii("FLAGS ");
                    WriteAtomList(writer, flags.Values);
                    break;
                case ImapFetchItem.InternalDate date:
                    writer.Ascii("INTERNALDATE \"").Ascii(ImapDateTime.FormatInternalDate(date.Value)).Ascii("\"");
                    break;
                case ImapFetchItem.Rfc822Size size:
                    writer.Ascii("RFC822.SIZE ").Number(size.Value);
                    break;
                case ImapFetchItem.Uid uid:
                    writer.Ascii("UID ").Number(uid.Value);
                    break;
                case ImapFetchItem.ModSeq modSeq:
                    writer.Ascii("MODSEQ (").Number(modSeq.Value).Ascii(")");
                    break;
                case ImapFetchItem.Envelope envelope:
                    writer.Ascii("ENVELOPE ");
                    WriteEnvelope(writer, envelope.Value);
                    break;
                case ImapFetchItem.BodyStructure body:
                    writer.Ascii(body.Extensible ? "BODYSTRUCTURE " : "BODY ");
                    WriteBody(writer, body.Value, body.Extensible);
                    break;
                case ImapFetchItem.Content content:
                    writer.Ascii(content.Name);
                    if (content.Origin is { } origin) writer.Ascii("<").Number(origin).Ascii(">");
                    writer.Ascii(" ");
                    if (content.Literal8 && content.Value is not null) writer.Ascii("~");
                    WriteContent(writer, content.Value);
                    break;
                case ImapFetchItem.BinarySize size:
                    writer.Ascii(size.Name).Ascii(" ").Number(size.Size);
                    break;
                default:
                    throw new ArgumentException($"Unknown fetch item {fetch.Items[i].GetType().Name}", nameof(fetch));
            }
        }
        writer.Ascii(")");
    }

    private static void WriteContent(Writer writer, ImapContent? content)
    {
        switch (content)
        {
            case null:
                writer.Ascii("NIL");
                break;
            case ImapContent.InMemory memory:
                // Message text always goes as a literal: it may hold CRLF and 8-bit bytes.
                writer.Ascii("{").Number(memory.Bytes.Length).Ascii("}\r\n").Raw(memory.Bytes.Span);
                break;
            case ImapContent.Streamed streamed:
                writer.Ascii("{").Number(streamed.ByteCount).Ascii("}\r\n").Payload(streamed);
                break;
        }
    }

    private static void WriteEnvelope(Writer writer, ImapEnvelope envelope)
    {
        writer.Ascii("(").NString(envelope.Date).Ascii(" ").NString(envelope.Subject).Ascii(" ");
        WriteAddresses(writer, envelope.From);
        writer.Ascii(" ");
        WriteAddresses(writer, envelope.Sender);
        writer.Ascii(" ");
        WriteAddresses(writer, envelope.ReplyTo);
        writer.Ascii(" ");
        WriteAddresses(writer, envelope.To);
        writer.Ascii(" ");
        WriteAddresses(writer, envelope.Cc);
        writer.Ascii(" ");
        WriteAddresses(writer, envelope.Bcc);
        writer.Ascii(" ").NString(envelope.InReplyTo).Ascii(" ").NString(envelope.MessageId).Ascii(")");
    }

    private static void WriteAddresses(Writer writer, IReadOnlyList<ImapAddress>? addresses)
    {
        if (addresses is null || addresses.Count == 0)
        {
            writer.Ascii("NIL");
            return;
        }
        writer.Ascii("(");
        foreach (var address in addresses)
        {
            writer.Ascii("(").NString(address.Name).Ascii(" ").NString(address.Adl).Ascii(" ")
                .NString(address.Mailbox).Ascii(" ").NString(address.Host).Ascii(")");
        }
        writer.Ascii(")");
    }

    private static void WriteBody(Writer writer, ImapBodyStructure body, bool extensible)
    {
        writer.Ascii("(");
        switch (body)
        {
            case ImapMultipart multipart:
                if (multipart.Parts.Count == 0) throw new ArgumentException("A multipart needs at least one part.", nameof(body));
                foreach (var part in multipart.Parts) WriteBody(writer, part, extensible);
                writer.Ascii(" ").String(multipart.Subtype);
                if (extensible)
                {
                    WriteExtensions(writer, [
                        w => WriteParameters(w, multipart.Parameters),
                        w => WriteDisposition(w, multipart.Disposition),
                        w => WriteLanguage(w, multipart.Language),
                        w => w.NString(multipart.Location),
                    ], [multipart.Parameters.Count > 0, multipart.Disposition is not null, multipart.Language.Count > 0, multipart.Location is not null]);
                }
                break;
            case ImapBodyPart part:
                writer.String(part.Type).Ascii(" ").String(part.Subtype).Ascii(" ");
                WriteParameters(writer, part.Parameters);
                writer.Ascii(" ").NString(part.Id).Ascii(" ").NString(part.Description).Ascii(" ")
                    .String(part.Encoding).Ascii(" ").Number(part.Size);
                if (part.IsMessageRfc822 && part.Message is not null && part.MessageBody is not null)
                {
                    writer.Ascii(" ");
                    WriteEnvelope(writer, part.Message);
                    writer.Ascii(" ");
                    WriteBody(writer, part.MessageBody, extensible);
                    writer.Ascii(" ").Number(part.Lines ?? 0);
                }
                else if (part.IsText)
                {
                    writer.Ascii(" ").Number(part.Lines ?? 0);
                }
                if (extensible)
                {
                    WriteExtensions(writer, [
                        w => w.NString(part.Md5),
                        w => WriteDisposition(w, part.Disposition),
                        w => WriteLanguage(w, part.Language),
                        w => w.NString(part.Location),
                    ], [part.Md5 is not null, part.Disposition is not null, part.Language.Count > 0, part.Location is not null]);
                }
                break;
            default:
                throw new ArgumentException($"Unknown body {body.GetType().Name}", nameof(body));
        }
        writer.Ascii(")");
    }

    /// <summary>Extension fields are positional and optional from the end: trailing NILs are left out.</summary>
    private static void WriteExtensions(Writer writer, Action<Writer>[] fields, bool[] present)
    {
        var count = Array.LastIndexOf(present, true) + 1;
        for (var i = 0; i < count; i++)
        {
            writer.Ascii(" ");
            fields[i](writer);
        }
    }

    private static void WriteParameters(Writer writer, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        if (parameters.Count == 0)
        {
            writer.Ascii("NIL");
            return;
        }
        writer.Ascii("(");
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0) writer.Ascii(" ");
            writer.String(parameters[i].Key).Ascii(" ").String(parameters[i].Value);
        }
        writer.Ascii(")");
    }

    private static void WriteDisposition(Writer writer, ImapContentDisposition? disposition)
    {
        if (disposition is null)
        {
            writer.Ascii("NIL");
            return;
        }
        writer.Ascii("(").String(disposition.Type).Ascii(" ");
        WriteParameters(writer, disposition.Parameters);
        writer.Ascii(")");
    }

    private static void WriteLanguage(Writer writer, IReadOnlyList<string> languages)
    {
        switch (languages.Count)
        {
            case 0:
                writer.Ascii("NIL");
                break;
            case 1:
                writer.String(languages[0]);
                break;
            default:
                writer.Ascii("(");
                for (var i = 0; i < languages.Count; i++)
                {
                    if (i > 0) writer.Ascii(" ");
                    writer.String(languages[i]);
                }
                writer.Ascii(")");
                break;
        }
    }

    private static void WriteAtomList(Writer writer, IReadOnlyList<string> atoms) =>
        writer.Ascii("(").Ascii(string.Join(' ', atoms)).Ascii(")");

    private static void WriteDelimiter(Writer writer, char? delimiter)
    {
        if (delimiter is not { } c)
        {
            writer.Ascii("NIL");
            return;
        }
        writer.Ascii(c is '"' or '\\' ? $"\"\\{c}\"" : $"\"{c}\"");
    }

    private static void WriteNamespaces(Writer writer, IReadOnlyList<ImapNamespace>? namespaces)
    {
        if (namespaces is null || namespaces.Count == 0)
        {
            writer.Ascii("NIL");
            return;
        }
        writer.Ascii("(");
        foreach (var ns in namespaces)
        {
            writer.Ascii("(").String(ns.Prefix).Ascii(" ");
            WriteDelimiter(writer, ns.Delimiter);
            writer.Ascii(")");
        }
        writer.Ascii(")");
    }

    private static void WriteId(Writer writer, IReadOnlyList<KeyValuePair<string, string?>>? parameters)
    {
        if (parameters is null || parameters.Count == 0)
        {
            writer.Ascii("NIL");
            return;
        }
        writer.Ascii("(");
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0) writer.Ascii(" ");
            writer.String(parameters[i].Key).Ascii(" ").NString(parameters[i].Value);
        }
        writer.Ascii(")");
    }

    private static string StatusItemName(ImapStatusItem item) => item switch
    {
        ImapStatusItem.Messages => "MESSAGES",
        ImapStatusItem.Recent => "RECENT",
        ImapStatusItem.UidNext => "UIDNEXT",
        ImapStatusItem.UidValidity => "UIDVALIDITY",
        ImapStatusItem.Unseen => "UNSEEN",
        ImapStatusItem.HighestModSeq => "HIGHESTMODSEQ",
        ImapStatusItem.Deleted => "DELETED",
        ImapStatusItem.DeletedStorage => "DELETED-STORAGE",
        _ => throw new ArgumentOutOfRangeException(nameof(item)),
    };

    /// <summary>Accumulates bytes, cutting a new segment at every streamed payload.</summary>
    private sealed class Writer
    {
        private readonly IBufferWriter<byte> _buffer;
        private readonly ArrayBufferWriter<byte>? _own;
        private readonly Action<ImapContent.Streamed>? _onPayload;
        private readonly List<ImapWireSegment> _segments = [];

        /// <summary>Collects the response in its own buffer, as segments (<see cref="Finish"/>).</summary>
        public Writer()
        {
            _own = new ArrayBufferWriter<byte>(256);
            _buffer = _own;
        }

        /// <summary>Writes into the caller's buffer; payloads go to <paramref name="payload"/>.</summary>
        public Writer(IBufferWriter<byte> output, Action<ImapContent.Streamed> payload)
        {
            _buffer = output;
            _onPayload = payload;
        }

        public Writer Ascii(string text)
        {
            var span = _buffer.GetSpan(text.Length);
            var written = Encoding.ASCII.GetBytes(text, span);
            _buffer.Advance(written);
            return this;
        }

        /// <summary>Human-readable text: UTF-8, with CR and LF (which would end the response) made spaces.</summary>
        public Writer Text(string text)
        {
            if (text.AsSpan().IndexOfAny('\r', '\n') >= 0) text = text.Replace('\r', ' ').Replace('\n', ' ');
            return Raw(Encoding.UTF8.GetBytes(text));
        }

        public Writer Number(long value) => Ascii(value.ToString(CultureInfo.InvariantCulture));

        public Writer Number(ulong value) => Ascii(value.ToString(CultureInfo.InvariantCulture));

        public Writer Raw(ReadOnlySpan<byte> bytes)
        {
            _buffer.Write(bytes);
            return this;
        }

        public Writer String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            if (ImapWireText.CanQuote(bytes)) return Ascii("\"").Raw(bytes).Ascii("\"");
            return Ascii("{").Number(bytes.Length).Ascii("}\r\n").Raw(bytes);
        }

        public Writer NString(string? value) => value is null ? Ascii("NIL") : String(value);

        /// <summary>astring: a bare atom when every byte allows it (and it is not the word NIL), else a string.</summary>
        public Writer Astring(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            if (bytes.Length > 0 && bytes.All(ImapWireText.IsAstringChar) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase))
                return Raw(bytes);
            return String(value);
        }

        public Writer Payload(ImapContent.Streamed content)
        {
            if (_onPayload is not null)
            {
                _onPayload(content);
                return this;
            }
            Flush();
            _segments.Add(new ImapWireSegment.Payload(content));
            return this;
        }

        public IReadOnlyList<ImapWireSegment> Finish()
        {
            Flush();
            return _segments;
        }

        public byte[] FinishAsBytes() => Own.WrittenSpan.ToArray();

        public string FinishAsText() => Encoding.UTF8.GetString(Own.WrittenSpan);

        private ArrayBufferWriter<byte> Own => _own ?? throw new InvalidOperationException("this writer writes into the caller's buffer");

        private void Flush()
        {
            if (_own is null || _own.WrittenCount == 0) return;
            _segments.Add(new ImapWireSegment.Bytes(_own.WrittenSpan.ToArray()));
            _own.Clear();
        }
    }
}
