using System.Text;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// Turns a complete command (its lines and the literals between them) into a typed
/// <see cref="ImapCommand"/>, following the formal syntax of RFC 3501 section 9 and the extensions
/// advertised by <see cref="ImapCapabilities"/>. Keywords are case-insensitive; SP is exactly one space.
/// </summary>
internal static class ImapCommandParser
{
    private const int MaxSearchDepth = 64;
    private const int MaxIdParameters = 30;

    /// <summary>The tag of a command line, or null when the line does not start with a valid tag.</summary>
    public static string? ReadTag(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOf((byte)' ');
        var tag = end < 0 ? line : line[..end];
        if (tag.IsEmpty) return null;
        foreach (var b in tag)
        {
            // tag = 1*<any ASTRING-CHAR except "+">
            if (!ImapWireText.IsAstringChar(b) || b == (byte)'+') return null;
        }
        return Encoding.ASCII.GetString(tag);
    }

    public static ImapCommand Parse(IReadOnlyList<byte[]> lines, IReadOnlyList<ImapAppendMessage> literals)
    {
        var cursor = new ImapCommandCursor(lines, literals);
        var tag = ReadTag(lines[0]) ?? throw new ImapSyntaxException("Invalid tag");
        cursor.ReadWhile(b => b != (byte)' ');
        cursor.ExpectSpace("command name");
        var name = cursor.ReadAtom("a command name").ToUpperInvariant();
        var command = ParseCommand(cursor, tag, name);
        cursor.ExpectEnd();
        return command;
    }

    /// <summary>
    /// Whether the literal announced at the end of the last line is the message of an APPEND (so the
    /// adapter may spool it): the command is APPEND and its mailbox, optional flags and optional date
    /// are complete before the marker.
    /// </summary>
    public static bool IsAppendMessagePending(IReadOnlyList<byte[]> lines, IReadOnlyList<ImapAppendMessage> literals)
    {
        try
        {
            var cursor = new ImapCommandCursor(lines, literals);
            if (ReadTag(lines[0]) is null) return false;
            cursor.ReadWhile(b => b != (byte)' ');
            cursor.ExpectSpace("command name");
            if (!cursor.ReadAtom("command").Equals("APPEND", StringComparison.OrdinalIgnoreCase)) return false;
            cursor.ExpectSpace("mailbox");
            // Throws (so: not the message) when the pending literal is the mailbox name itself.
            ReadMailbox(cursor);
            cursor.ExpectSpace("message");
            // MULTIAPPEND: messages already received are skipped; the pending literal must be the next message's.
            while (true)
            {
                if (cursor.PeekIs('('))
                {
                    ReadFlagList(cursor);
                    cursor.ExpectSpace("message");
                }
                if (cursor.PeekIs('"'))
                {
                    cursor.ReadString("date-time");
                    cursor.ExpectSpace("message");
                }
                var utf8 = TryStartUtf8Data(cursor);
                if (!utf8) cursor.TryConsume('~'); // literal8 (RFC 3516)
                if (!cursor.PeekIs('{')) return false;
                // Reads past a literal already received (then another message may follow), or finds the pending one.
                if (IsPendingLiteral(cursor, lines, literals)) return true;
                if (utf8) cursor.Expect(')', "UTF8 data");
                if (!cursor.TryConsume(' ')) return false;
            }
        }
        catch (ImapSyntaxException)
        {
            return false;
        }
    }

    private static bool IsPendingLiteral(ImapCommandCursor cursor, IReadOnlyList<byte[]> lines, IReadOnlyList<ImapAppendMessage> literals)
    {
        if (!cursor.PeekIs('{')) return false;
        // The pending literal is the one after the last line; a literal already received is not pending.
        try
        {
            cursor.ReadLiteral("probe");
            return false;
        }
        catch (ImapSyntaxException)
        {
            return lines.Count == literals.Count + 1;
        }
    }

    private static ImapCommand ParseCommand(ImapCommandCursor cursor, string tag, string name)
    {
        switch (name)
        {
            case "CAPABILITY": return new ImapCommand.Capability(tag);
            case "NOOP": return new ImapCommand.Noop(tag);
            case "LOGOUT": return new ImapCommand.Logout(tag);
            case "STARTTLS": return new ImapCommand.StartTls(tag);
            case "CHECK": return new ImapCommand.Check(tag);
            case "CLOSE": return new ImapCommand.Close(tag);
            case "UNSELECT": return new ImapCommand.Unselect(tag);
            case "EXPUNGE": return new ImapCommand.Expunge(tag, null);
            case "IDLE": return new ImapCommand.Idle(tag);
            case "COMPRESS":
                cursor.ExpectSpace("compression mechanism");
                return new ImapCommand.Compress(tag, cursor.ReadAtom("a compression mechanism").ToUpperInvariant());
            case "NAMESPACE": return new ImapCommand.Namespace(tag);
            case "AUTHENTICATE": return ParseAuthenticate(cursor, tag);
            case "LOGIN":
            {
                cursor.ExpectSpace("user name");
                var user = cursor.ReadAstring("user name");
                cursor.ExpectSpace("password");
                return new ImapCommand.Login(tag, user, cursor.ReadAstring("password"));
            }
            case "SELECT":
            {
                var mailbox = ReadMailboxArgument(cursor);
                return new ImapCommand.Select(tag, mailbox) { Parameters = ReadSelectParameters(cursor) };
            }
            case "EXAMINE":
            {
                var mailbox = ReadMailboxArgument(cursor);
                return new ImapCommand.Examine(tag, mailbox) { Parameters = ReadSelectParameters(cursor) };
            }
            case "CREATE": return new ImapCommand.Create(tag, ReadMailboxArgument(cursor));
            case "DELETE": return new ImapCommand.Delete(tag, ReadMailboxArgument(cursor));
            case "SUBSCRIBE": return new ImapCommand.Subscribe(tag, ReadMailboxArgument(cursor));
            case "UNSUBSCRIBE": return new ImapCommand.Unsubscribe(tag, ReadMailboxArgument(cursor));
            case "RENAME":
            {
                var from = ReadMailboxArgument(cursor);
                return new ImapCommand.Rename(tag, from, ReadMailboxArgument(cursor));
            }
            case "LIST": return ParseList(cursor, tag);
            case "LSUB":
            {
                var reference = ReadMailboxArgument(cursor);
                cursor.ExpectSpace("mailbox pattern");
                var pattern = cursor.ReadListMailbox();
                return name == "LIST" ? new ImapCommand.List(tag, reference, pattern) : new ImapCommand.Lsub(tag, reference, pattern);
            }
            case "STATUS": return ParseStatus(cursor, tag);
            case "APPEND": return ParseAppend(cursor, tag);
            case "SEARCH": return ParseSearch(cursor, tag, byUid: false);
            case "SORT": return ParseSort(cursor, tag, byUid: false);
            case "THREAD": return ParseThread(cursor, tag, byUid: false);
            case "FETCH": return ParseFetch(cursor, tag, byUid: false);
            case "STORE": return ParseStore(cursor, tag, byUid: false);
            case "COPY": return ParseCopyOrMove(cursor, tag, byUid: false, move: false);
            case "MOVE": return ParseCopyOrMove(cursor, tag, byUid: false, move: true);
            case "UID": return ParseUid(cursor, tag);
            case "ENABLE":
            {
                var capabilities = new List<string>();
                do
                {
                    cursor.ExpectSpace("capability");
                    capabilities.Add(cursor.ReadAtom("a capability name"));
                } while (!cursor.AtEnd);
                return new ImapCommand.Enable(tag, capabilities);
            }
            case "ID": return ParseId(cursor, tag);
            case "GETQUOTAROOT": return new ImapCommand.GetQuotaRoot(tag, ReadMailboxArgument(cursor));
            case "GETQUOTA":
                cursor.ExpectSpace("quota root");
                return new ImapCommand.GetQuota(tag, cursor.ReadAstring("a quota root"));
            case "SETQUOTA": return ParseSetQuota(cursor, tag);
            default:
                throw new ImapSyntaxException("Unknown command");
        }
    }

    private static ImapCommand ParseUid(ImapCommandCursor cursor, string tag)
    {
        cursor.ExpectSpace("UID command");
        var name = cursor.ReadAtom("a UID command").ToUpperInvariant();
        switch (name)
        {
            case "FETCH": return ParseFetch(cursor, tag, byUid: true);
            case "SEARCH": return ParseSearch(cursor, tag, byUid: true);
            case "SORT": return ParseSort(cursor, tag, byUid: true);
            case "THREAD": return ParseThread(cursor, tag, byUid: true);
            case "STORE": return ParseStore(cursor, tag, byUid: true);
            case "COPY": return ParseCopyOrMove(cursor, tag, byUid: true, move: false);
            case "MOVE": return ParseCopyOrMove(cursor, tag, byUid: true, move: true);
            case "EXPUNGE":
                cursor.ExpectSpace("UID set");
                return new ImapCommand.Expunge(tag, ReadSequenceSet(cursor));
            default:
                throw new ImapSyntaxException("Unknown UID command");
        }
    }

    private static ImapCommand ParseAuthenticate(ImapCommandCursor cursor, string tag)
    {
        cursor.ExpectSpace("authentication mechanism");
        var mechanism = cursor.ReadAtom("an authentication mechanism").ToUpperInvariant();
        string? initial = null;
        if (cursor.TryConsume(' '))
        {
            // SASL-IR (RFC 4959): base64 or "=" for an empty initial response.
            initial = cursor.ReadWhile(b => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'
                or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/' or (byte)'=');
            if (initial.Length == 0) throw new ImapSyntaxException("Invalid initial response");
        }
        return new ImapCommand.Authenticate(tag, mechanism, initial);
    }

    /// <summary>[SP "(" select-param *(SP select-param) ")"]: CONDSTORE, QRESYNC (RFC 7162 sections 3.1.8, 3.2.5).</summary>
    private static SelectParameters ReadSelectParameters(ImapCommandCursor cursor)
    {
        if (!cursor.TryConsume(' ')) return SelectParameters.None;
        cursor.Expect('(', "select parameters");
        var condStore = false;
        QresyncParameters? qresync = null;
        do
        {
            switch (cursor.ReadAtom("a select parameter").ToUpperInvariant())
            {
                case "CONDSTORE":
                    condStore = true;
                    break;
                case "QRESYNC":
                    if (qresync is not null) throw new ImapSyntaxException("QRESYNC given twice");
                    qresync = ReadQresync(cursor);
                    break;
                default:
                    throw new ImapSyntaxException("Unknown select parameter");
            }
        } while (cursor.TryConsume(' '));
        cursor.Expect(')', "select parameters");
        return new SelectParameters(condStore, qresync);
    }

    /// <summary>"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")".</summary>
    private static QresyncParameters ReadQresync(ImapCommandCursor cursor)
    {
        cursor.ExpectSpace("QRESYNC parameters");
        cursor.Expect('(', "QRESYNC parameters");
        var uidValidity = cursor.ReadNumber("UIDVALIDITY");
        if (uidValidity is 0 or > uint.MaxValue) throw new ImapSyntaxException("Invalid UIDVALIDITY");
        cursor.ExpectSpace("mod-sequence");
        var modSeq = ReadModSeq(cursor, allowZero: false);
        SequenceSet? knownUids = null, knownSequences = null, knownSequenceUids = null;
        if (cursor.TryConsume(' '))
        {
            if (!cursor.PeekIs('('))
            {
                knownUids = ReadSequenceSet(cursor);
                if (knownUids.IsSavedResult || knownUids.ContainsStar) throw new ImapSyntaxException("Invalid known UIDs");
            }
            if (knownUids is null || cursor.TryConsume(' '))
            {
                cursor.Expect('(', "sequence match data");
                knownSequences = ReadSequenceSet(cursor);
                cursor.ExpectSpace("known UIDs");
                knownSequenceUids = ReadSequenceSet(cursor);
                cursor.Expect(')', "sequence match data");
            }
        }
        cursor.Expect(')', "QRESYNC parameters");
        return new QresyncParameters(uidValidity, modSeq, knownUids, knownSequences, knownSequenceUids);
    }

    /// <summary>mod-sequence-value: 1..2^63-1 (mod-sequence-valzer also allows 0).</summary>
    private static long ReadModSeq(ImapCommandCursor cursor, bool allowZero)
    {
        var value = cursor.ReadNumber("a mod-sequence");
        if (value == 0 && !allowZero) throw new ImapSyntaxException("Invalid mod-sequence");
        return value;
    }

    /// <summary>SETQUOTA quota-root SP "(" [resource SP number *(SP resource SP number)] ")" (RFC 9208 section 4.1).</summary>
    private static ImapCommand ParseSetQuota(ImapCommandCursor cursor, string tag)
    {
        cursor.ExpectSpace("quota root");
        var root = cursor.ReadAstring("a quota root");
        cursor.ExpectSpace("quota limits");
        cursor.Expect('(', "quota limits");
        var limits = new List<KeyValuePair<string, long>>();
        if (!cursor.PeekIs(')'))
        {
            do
            {
                var resource = cursor.ReadAtom("a resource name").ToUpperInvariant();
                cursor.ExpectSpace("limit");
                limits.Add(new(resource, cursor.ReadNumber("limit")));
            } while (cursor.TryConsume(' '));
        }
        cursor.Expect(')', "quota limits");
        return new ImapCommand.SetQuota(tag, root, limits);
    }

    private static ImapCommand ParseStatus(ImapCommandCursor cursor, string tag)
    {
        var mailbox = ReadMailboxArgument(cursor);
        cursor.ExpectSpace("status items");
        return new ImapCommand.Status(tag, mailbox, ReadStatusItems(cursor));
    }

    private static List<ImapStatusItem> ReadStatusItems(ImapCommandCursor cursor)
    {
        cursor.Expect('(', "status items");
        var items = new List<ImapStatusItem>();
        do
        {
            var item = cursor.ReadAtom("a status item").ToUpperInvariant() switch
            {
                "MESSAGES" => ImapStatusItem.Messages,
                "RECENT" => ImapStatusItem.Recent,
                "UIDNEXT" => ImapStatusItem.UidNext,
                "UIDVALIDITY" => ImapStatusItem.UidValidity,
                "UNSEEN" => ImapStatusItem.Unseen,
                "HIGHESTMODSEQ" => ImapStatusItem.HighestModSeq,
                "DELETED" => ImapStatusItem.Deleted,
                "DELETED-STORAGE" => ImapStatusItem.DeletedStorage,
                var other => throw new ImapSyntaxException($"Unknown status item {other}"),
            };
            items.Add(item);
        } while (cursor.TryConsume(' '));
        cursor.Expect(')', "status items");
        return items;
    }

    /// <summary>
    /// LIST [SP "(" select-opts ")"] SP mailbox SP (list-mailbox / "(" list-mailbox *(SP list-mailbox) ")")
    /// [SP "RETURN" SP "(" return-opts ")"] (RFC 5258 section 6, RFC 5819, RFC 6154).
    /// </summary>
    private static ImapCommand ParseList(ImapCommandCursor cursor, string tag)
    {
        bool subscribed = false, specialUse = false, recursive = false;
        cursor.ExpectSpace("mailbox name");
        if (cursor.TryConsume('('))
        {
            while (!cursor.TryConsume(')'))
            {
                switch (cursor.ReadAtom("a LIST selection option").ToUpperInvariant())
                {
                    case "SUBSCRIBED": subscribed = true; break;
                    case "REMOTE": break; // no remote mailboxes here
                    case "RECURSIVEMATCH": recursive = true; break;
                    case "SPECIAL-USE": specialUse = true; break;
                    case var other: throw new ImapSyntaxException($"Unknown LIST selection option {other}");
                }
                cursor.TryConsume(' ');
            }
            // RFC 5258 section 3: RECURSIVEMATCH alone says nothing about what to match recursively.
            if (recursive && !subscribed) throw new ImapSyntaxException("RECURSIVEMATCH needs another selection option");
            cursor.ExpectSpace("mailbox name");
        }
        var reference = ReadMailbox(cursor);
        cursor.ExpectSpace("mailbox pattern");
        var patterns = new List<string>();
        if (cursor.TryConsume('('))
        {
            do patterns.Add(cursor.ReadListMailbox());
            while (cursor.TryConsume(' '));
            cursor.Expect(')', "mailbox patterns");
        }
        else
        {
            patterns.Add(cursor.ReadListMailbox());
        }
        List<ImapStatusItem>? status = null;
        if (cursor.TryConsume(' '))
        {
            if (!cursor.TryConsumeWord("RETURN")) throw new ImapSyntaxException("Expected RETURN");
            cursor.ExpectSpace("return options");
            cursor.Expect('(', "return options");
            while (!cursor.TryConsume(')'))
            {
                switch (cursor.ReadAtom("a LIST return option").ToUpperInvariant())
                {
                    // Attributes this server always returns: \Subscribed, \HasChildren/\HasNoChildren, special use.
                    case "SUBSCRIBED" or "CHILDREN" or "SPECIAL-USE": break;
                    case "STATUS":
                        cursor.ExpectSpace("status items");
                        status = ReadStatusItems(cursor);
                        break;
                    case var other: throw new ImapSyntaxException($"Unknown LIST return option {other}");
                }
                cursor.TryConsume(' ');
            }
        }
        return new ImapCommand.List(tag, reference, patterns[0])
        {
            Patterns = patterns,
            Options = new ListOptions(subscribed, specialUse, recursive, status),
        };
    }

    /// <summary>APPEND mailbox 1*(SP [flag-list SP] [date-time SP] literal): MULTIAPPEND (RFC 3502) when several.</summary>
    private static ImapCommand ParseAppend(ImapCommandCursor cursor, string tag)
    {
        var mailbox = ReadMailboxArgument(cursor);
        var messages = new List<ImapAppendItem>();
        cursor.ExpectSpace("message literal");
        do
        {
            messages.Add(ReadAppendItem(cursor));
        } while (cursor.TryConsume(' '));
        var first = messages[0];
        return new ImapCommand.Append(tag, mailbox, first.Flags, first.InternalDate, first.Message) { Messages = messages };
    }

    private static ImapAppendItem ReadAppendItem(ImapCommandCursor cursor)
    {
        IReadOnlyList<string> flags = [];
        if (cursor.PeekIs('('))
        {
            flags = ReadFlagList(cursor);
            cursor.ExpectSpace("message literal");
        }
        DateTimeOffset? date = null;
        if (cursor.PeekIs('"'))
        {
            var text = cursor.ReadString("date-time");
            if (!ImapDateTime.TryParseDateTime(text, out var parsed)) throw new ImapSyntaxException("Invalid date-time");
            date = parsed;
            cursor.ExpectSpace("message literal");
        }
        var utf8 = TryStartUtf8Data(cursor);
        if (!utf8) cursor.TryConsume('~'); // literal8 (RFC 3516): the message may hold NUL octets
        if (!cursor.PeekIs('{')) throw new ImapSyntaxException("Expected the message as a literal");
        var message = cursor.ReadLiteral("message");
        if (utf8) cursor.Expect(')', "UTF8 data");
        return new ImapAppendItem(flags, date, message);
    }

    /// <summary>RFC 6855 section 4: append-data = "UTF8" SP "(" literal8 ")"; consumes up to the literal's "{".</summary>
    private static bool TryStartUtf8Data(ImapCommandCursor cursor)
    {
        if (!cursor.TryConsumeWord("UTF8")) return false;
        cursor.ExpectSpace("UTF8 data");
        cursor.Expect('(', "UTF8 data");
        cursor.Expect('~', "UTF8 data");
        return true;
    }

    private static ImapCommand ParseCopyOrMove(ImapCommandCursor cursor, string tag, bool byUid, bool move)
    {
        cursor.ExpectSpace("sequence set");
        var set = ReadSequenceSet(cursor);
        var mailbox = ReadMailboxArgument(cursor);
        return move ? new ImapCommand.Move(tag, byUid, set, mailbox) : new ImapCommand.Copy(tag, byUid, set, mailbox);
    }

    private static ImapCommand ParseStore(ImapCommandCursor cursor, string tag, bool byUid)
    {
        cursor.ExpectSpace("sequence set");
        var set = ReadSequenceSet(cursor);
        cursor.ExpectSpace("store item");
        long? unchangedSince = null;
        if (cursor.TryConsume('('))
        {
            // store-modifier (RFC 4466 section 2.5); the one known is UNCHANGEDSINCE (RFC 7162 section 3.1.3).
            if (!string.Equals(cursor.ReadAtom("a store modifier"), "UNCHANGEDSINCE", StringComparison.OrdinalIgnoreCase))
                throw new ImapSyntaxException("Unknown store modifier");
            cursor.ExpectSpace("mod-sequence");
            unchangedSince = ReadModSeq(cursor, allowZero: true);
            cursor.Expect(')', "store modifiers");
            cursor.ExpectSpace("store item");
        }
        var item = cursor.ReadWhile(b => b != (byte)' ').ToUpperInvariant();
        var silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        if (silent) item = item[..^".SILENT".Length];
        var mode = item switch
        {
            "FLAGS" => StoreMode.Replace,
            "+FLAGS" => StoreMode.Add,
            "-FLAGS" => StoreMode.Remove,
            _ => throw new ImapSyntaxException("Unknown store item"),
        };
        cursor.ExpectSpace("flags");
        IReadOnlyList<string> flags;
        if (cursor.PeekIs('('))
        {
            flags = ReadFlagList(cursor);
        }
        else
        {
            var list = new List<string> { ReadFlag(cursor) };
            while (cursor.TryConsume(' ')) list.Add(ReadFlag(cursor));
            flags = list;
        }
        return new ImapCommand.Store(tag, byUid, set, mode, silent, flags) { UnchangedSince = unchangedSince };
    }

    private static ImapCommand ParseId(ImapCommandCursor cursor, string tag)
    {
        cursor.ExpectSpace("ID parameters");
        if (cursor.TryConsumeWord("NIL")) return new ImapCommand.Id(tag, null);
        cursor.Expect('(', "ID parameters");
        var parameters = new List<KeyValuePair<string, string?>>();
        if (!cursor.PeekIs(')'))
        {
            do
            {
                var key = cursor.ReadString("ID field name");
                cursor.ExpectSpace("ID field value");
                parameters.Add(new(key, cursor.ReadNString("ID field value")));
                if (parameters.Count > MaxIdParameters) throw new ImapSyntaxException("Too many ID parameters");
            } while (cursor.TryConsume(' '));
        }
        cursor.Expect(')', "ID parameters");
        return new ImapCommand.Id(tag, parameters);
    }

    // ----- FETCH -----

    private static ImapCommand ParseFetch(ImapCommandCursor cursor, string tag, bool byUid)
    {
        cursor.ExpectSpace("sequence set");
        var set = ReadSequenceSet(cursor);
        cursor.ExpectSpace("fetch items");
        var attributes = new List<FetchAttribute>();
        if (cursor.TryConsume('('))
        {
            do
            {
                attributes.Add(ReadFetchAttribute(cursor));
            } while (cursor.TryConsume(' '));
            cursor.Expect(')', "fetch items");
        }
        else if (cursor.TryConsumeWord("ALL"))
        {
            attributes.AddRange([FetchAttribute.Flags.Instance, FetchAttribute.InternalDate.Instance, FetchAttribute.Rfc822Size.Instance, FetchAttribute.Envelope.Instance]);
        }
        else if (cursor.TryConsumeWord("FAST"))
        {
            attributes.AddRange([FetchAttribute.Flags.Instance, FetchAttribute.InternalDate.Instance, FetchAttribute.Rfc822Size.Instance]);
        }
        else if (cursor.TryConsumeWord("FULL"))
        {
            attributes.AddRange([FetchAttribute.Flags.Instance, FetchAttribute.InternalDate.Instance, FetchAttribute.Rfc822Size.Instance, FetchAttribute.Envelope.Instance, FetchAttribute.Body.Instance]);
        }
        else
        {
            attributes.Add(ReadFetchAttribute(cursor));
        }
        var fetch = new ImapCommand.Fetch(tag, byUid, set, attributes);
        return cursor.TryConsume(' ') ? ReadFetchModifiers(cursor, fetch) : fetch;
    }

    /// <summary>"(" fetch-modifier *(SP fetch-modifier) ")": CHANGEDSINCE and VANISHED (RFC 7162 sections 3.1.4, 3.2.6).</summary>
    private static ImapCommand.Fetch ReadFetchModifiers(ImapCommandCursor cursor, ImapCommand.Fetch fetch)
    {
        cursor.Expect('(', "fetch modifiers");
        do
        {
            switch (cursor.ReadAtom("a fetch modifier").ToUpperInvariant())
            {
                case "CHANGEDSINCE":
                    cursor.ExpectSpace("mod-sequence");
                    fetch = fetch with { ChangedSince = ReadModSeq(cursor, allowZero: true) };
                    break;
                case "VANISHED":
                    fetch = fetch with { Vanished = true };
                    break;
                default:
                    throw new ImapSyntaxException("Unknown fetch modifier");
            }
        } while (cursor.TryConsume(' '));
        cursor.Expect(')', "fetch modifiers");
        // RFC 7162 section 3.2.6: VANISHED only with CHANGEDSINCE, and only for UID FETCH.
        if (fetch.Vanished && (fetch.ChangedSince is null || !fetch.ByUid)) throw new ImapSyntaxException("VANISHED needs UID FETCH and CHANGEDSINCE");
        return fetch;
    }

    private static FetchAttribute ReadFetchAttribute(ImapCommandCursor cursor)
    {
        var name = cursor.ReadWhile(b => ImapWireText.IsAtomChar(b) && b is not ((byte)'[' or (byte)'<')).ToUpperInvariant();
        switch (name)
        {
            case "ENVELOPE": return FetchAttribute.Envelope.Instance;
            case "FLAGS": return FetchAttribute.Flags.Instance;
            case "INTERNALDATE": return FetchAttribute.InternalDate.Instance;
            case "RFC822": return FetchAttribute.Rfc822.Instance;
            case "RFC822.HEADER": return FetchAttribute.Rfc822Header.Instance;
            case "RFC822.SIZE": return FetchAttribute.Rfc822Size.Instance;
            case "RFC822.TEXT": return FetchAttribute.Rfc822Text.Instance;
            case "UID": return FetchAttribute.Uid.Instance;
            case "MODSEQ": return FetchAttribute.ModSeq.Instance;
            case "BODYSTRUCTURE": return FetchAttribute.BodyStructure.Instance;
            case "BODY" when !cursor.PeekIs('['): return FetchAttribute.Body.Instance;
            case "BINARY":
            case "BINARY.PEEK":
            {
                var part = ReadBinarySection(cursor);
                return new FetchAttribute.Binary(part, name == "BINARY.PEEK", ReadPartial(cursor));
            }
            case "BINARY.SIZE":
                return new FetchAttribute.BinarySize(ReadBinarySection(cursor));
            case "BODY":
            case "BODY.PEEK":
            {
                var section = ReadSection(cursor);
                return new FetchAttribute.Section(section, name == "BODY.PEEK", ReadPartial(cursor));
            }
            case "":
                throw new ImapSyntaxException("Expected a fetch item");
            default:
                throw new ImapSyntaxException($"Unknown fetch item {name}");
        }
    }

    /// <summary>section-binary = "[" [section-part] "]" (RFC 3516): part numbers only.</summary>
    private static IReadOnlyList<int> ReadBinarySection(ImapCommandCursor cursor)
    {
        var section = ReadSection(cursor);
        if (section.Text != BodySectionText.Whole) throw new ImapSyntaxException("BINARY takes part numbers only");
        return section.Part;
    }

    private static FetchPartial? ReadPartial(ImapCommandCursor cursor)
    {
        if (!cursor.TryConsume('<')) return null;
        var origin = cursor.ReadNumber("partial origin");
        cursor.Expect('.', "partial");
        var length = cursor.ReadNumber("partial length");
        if (length == 0) throw new ImapSyntaxException("Partial length must not be 0");
        cursor.Expect('>', "partial");
        return new FetchPartial(origin, length);
    }

    private static BodySection ReadSection(ImapCommandCursor cursor)
    {
        cursor.Expect('[', "section");
        var spec = cursor.ReadWhile(b => b is >= (byte)'0' and <= (byte)'9' or (byte)'.' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z');
        var parts = new List<int>();
        var words = spec.Length == 0 ? [] : spec.Split('.');
        var i = 0;
        for (; i < words.Length && words[i].Length > 0 && char.IsAsciiDigit(words[i][0]); i++)
        {
            // nz-number: no leading zero, no 0.
            if (words[i][0] == '0' || !words[i].All(char.IsAsciiDigit) || !int.TryParse(words[i], out var number))
                throw new ImapSyntaxException("Invalid section part number");
            parts.Add(number);
        }
        var suffix = string.Join('.', words[i..]).ToUpperInvariant();
        var text = suffix switch
        {
            "" => BodySectionText.Whole,
            "HEADER" => BodySectionText.Header,
            "HEADER.FIELDS" => BodySectionText.HeaderFields,
            "HEADER.FIELDS.NOT" => BodySectionText.HeaderFieldsNot,
            "TEXT" => BodySectionText.Text,
            "MIME" when parts.Count > 0 => BodySectionText.Mime,
            _ => throw new ImapSyntaxException("Invalid section specifier"),
        };
        if (spec.EndsWith('.')) throw new ImapSyntaxException("Invalid section specifier");
        var fields = new List<string>();
        if (text is BodySectionText.HeaderFields or BodySectionText.HeaderFieldsNot)
        {
            cursor.ExpectSpace("header list");
            cursor.Expect('(', "header list");
            do
            {
                fields.Add(cursor.ReadAstring("a header field name"));
            } while (cursor.TryConsume(' '));
            cursor.Expect(')', "header list");
        }
        cursor.Expect(']', "section");
        return new BodySection(parts, text, fields);
    }

    // ----- SEARCH -----

    private static ImapCommand ParseSearch(ImapCommandCursor cursor, string tag, bool byUid)
    {
        cursor.ExpectSpace("search criteria");
        SearchReturn? options = null;
        if (cursor.TryConsumeWord("RETURN"))
        {
            options = ReadSearchReturn(cursor);
            cursor.ExpectSpace("search criteria");
        }
        string? charset = null;
        Encoding encoding = Encoding.UTF8;
        if (cursor.TryConsumeWord("CHARSET"))
        {
            cursor.ExpectSpace("charset");
            charset = cursor.ReadAstring("charset");
            encoding = SearchEncoding(charset);
            cursor.ExpectSpace("search criteria");
        }
        return new ImapCommand.Search(tag, byUid, charset, ReadSearchProgram(cursor, encoding), options);
    }

    /// <summary>One or more search keys, all of which must match.</summary>
    private static SearchKey ReadSearchProgram(ImapCommandCursor cursor, Encoding encoding)
    {
        var keys = new List<SearchKey>();
        do
        {
            keys.Add(ReadSearchKey(cursor, encoding, 0));
        } while (cursor.TryConsume(' '));
        return keys.Count == 1 ? keys[0] : new SearchKey.And(keys);
    }

    /// <summary>RFC 5256: SORT (sort-criteria) charset search-criteria.</summary>
    private static ImapCommand ParseSort(ImapCommandCursor cursor, string tag, bool byUid)
    {
        cursor.ExpectSpace("sort criteria");
        cursor.Expect('(', "sort criteria");
        var criteria = new List<SortCriterion>();
        do
        {
            var word = cursor.ReadAtom("a sort key").ToUpperInvariant();
            var reverse = word == "REVERSE";
            if (reverse)
            {
                cursor.ExpectSpace("sort key");
                word = cursor.ReadAtom("a sort key").ToUpperInvariant();
            }
            var key = word switch
            {
                "ARRIVAL" => SortKey.Arrival,
                "CC" => SortKey.Cc,
                "DATE" => SortKey.Date,
                "FROM" => SortKey.From,
                "SIZE" => SortKey.Size,
                "SUBJECT" => SortKey.Subject,
                "TO" => SortKey.To,
                "DISPLAYFROM" => SortKey.DisplayFrom,
                "DISPLAYTO" => SortKey.DisplayTo,
                _ => throw new ImapSyntaxException($"Unknown sort key {word}"),
            };
            criteria.Add(new SortCriterion(key, reverse));
        } while (cursor.TryConsume(' '));
        cursor.Expect(')', "sort criteria");
        var (charset, encoding) = ReadRequiredCharset(cursor);
        cursor.ExpectSpace("search criteria");
        return new ImapCommand.Sort(tag, byUid, criteria, charset, ReadSearchProgram(cursor, encoding));
    }

    /// <summary>RFC 5256: THREAD algorithm charset search-criteria.</summary>
    private static ImapCommand ParseThread(ImapCommandCursor cursor, string tag, bool byUid)
    {
        cursor.ExpectSpace("thread algorithm");
        var algorithm = cursor.ReadAtom("a thread algorithm").ToUpperInvariant() switch
        {
            "ORDEREDSUBJECT" => ThreadAlgorithm.OrderedSubject,
            "REFERENCES" => ThreadAlgorithm.References,
            var other => throw new ImapSyntaxException($"Unknown thread algorithm {other}"),
        };
        var (charset, encoding) = ReadRequiredCharset(cursor);
        cursor.ExpectSpace("search criteria");
        return new ImapCommand.Thread(tag, byUid, algorithm, charset, ReadSearchProgram(cursor, encoding));
    }

    private static (string Charset, Encoding Encoding) ReadRequiredCharset(ImapCommandCursor cursor)
    {
        cursor.ExpectSpace("charset");
        var charset = cursor.ReadAstring("charset");
        return (charset, SearchEncoding(charset));
    }

    /// <summary>RFC 4731 search-return-opts (and SAVE, RFC 5182): <c>RETURN (MIN MAX ...)</c>; an empty list means ALL.</summary>
    private static SearchReturn ReadSearchReturn(ImapCommandCursor cursor)
    {
        cursor.ExpectSpace("return options");
        cursor.Expect('(', "return options");
        var options = SearchReturn.None;
        if (!cursor.PeekIs(')'))
        {
            do
            {
                options |= cursor.ReadAtom("a return option").ToUpperInvariant() switch
                {
                    "MIN" => SearchReturn.Min,
                    "MAX" => SearchReturn.Max,
                    "ALL" => SearchReturn.All,
                    "COUNT" => SearchReturn.Count,
                    "SAVE" => SearchReturn.Save,
                    var other => throw new ImapSyntaxException($"Unknown return option {other}"),
                };
            } while (cursor.TryConsume(' '));
        }
        cursor.Expect(')', "return options");
        return options == SearchReturn.None ? SearchReturn.All : options;
    }

    private static Encoding SearchEncoding(string charset)
    {
        if (charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
            return Encoding.UTF8;
        if (charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase)) return Encoding.UTF8; // ASCII is a subset
        if (charset.Equals("ISO-8859-1", StringComparison.OrdinalIgnoreCase)) return Encoding.Latin1;
        // RFC 3501 section 6.4.4: an unsupported charset is NO (not BAD) with BADCHARSET.
        throw new ImapSyntaxException("Unsupported charset", ImapStatus.No, ImapResponseCode.BadCharset(["UTF-8", "US-ASCII"]));
    }

    private static SearchKey ReadSearchKey(ImapCommandCursor cursor, Encoding encoding, int depth)
    {
        if (depth > MaxSearchDepth) throw new ImapSyntaxException("Search criteria nested too deeply");
        if (cursor.TryConsume('('))
        {
            var keys = new List<SearchKey>();
            do
            {
                keys.Add(ReadSearchKey(cursor, encoding, depth + 1));
            } while (cursor.TryConsume(' '));
            cursor.Expect(')', "search criteria");
            return keys.Count == 1 ? keys[0] : new SearchKey.And(keys);
        }
        if (cursor.Peek() is >= '0' and <= '9' or '*' or '$') return new SearchKey.SequenceNumbers(ReadSequenceSet(cursor));

        var word = cursor.ReadAtom("a search key").ToUpperInvariant();
        switch (word)
        {
            case "ALL": return SearchKey.All.Instance;
            case "ANSWERED": return new SearchKey.Flag(@"\Answered", true);
            case "UNANSWERED": return new SearchKey.Flag(@"\Answered", false);
            case "DELETED": return new SearchKey.Flag(@"\Deleted", true);
            case "UNDELETED": return new SearchKey.Flag(@"\Deleted", false);
            case "DRAFT": return new SearchKey.Flag(@"\Draft", true);
            case "UNDRAFT": return new SearchKey.Flag(@"\Draft", false);
            case "FLAGGED": return new SearchKey.Flag(@"\Flagged", true);
            case "UNFLAGGED": return new SearchKey.Flag(@"\Flagged", false);
            case "SEEN": return new SearchKey.Flag(@"\Seen", true);
            case "UNSEEN": return new SearchKey.Flag(@"\Seen", false);
            case "RECENT": return new SearchKey.Flag(@"\Recent", true);
            case "OLD": return new SearchKey.Flag(@"\Recent", false);
            case "NEW": return new SearchKey.And([new SearchKey.Flag(@"\Recent", true), new SearchKey.Flag(@"\Seen", false)]);
            case "KEYWORD":
                cursor.ExpectSpace("keyword");
                return new SearchKey.Flag(cursor.ReadAtom("a keyword"), true);
            case "UNKEYWORD":
                cursor.ExpectSpace("keyword");
                return new SearchKey.Flag(cursor.ReadAtom("a keyword"), false);
            case "BCC": return new SearchKey.Header("Bcc", SearchString(cursor, encoding));
            case "CC": return new SearchKey.Header("Cc", SearchString(cursor, encoding));
            case "FROM": return new SearchKey.Header("From", SearchString(cursor, encoding));
            case "TO": return new SearchKey.Header("To", SearchString(cursor, encoding));
            case "SUBJECT": return new SearchKey.Header("Subject", SearchString(cursor, encoding));
            case "HEADER":
            {
                cursor.ExpectSpace("header field name");
                var field = cursor.ReadAstring("a header field name");
                return new SearchKey.Header(field, SearchString(cursor, encoding));
            }
            case "BODY": return new SearchKey.Body(SearchString(cursor, encoding));
            case "TEXT": return new SearchKey.Text(SearchString(cursor, encoding));
            case "BEFORE": return new SearchKey.InternalDate(DateComparison.Before, SearchDate(cursor));
            case "ON": return new SearchKey.InternalDate(DateComparison.On, SearchDate(cursor));
            case "SINCE": return new SearchKey.InternalDate(DateComparison.Since, SearchDate(cursor));
            case "SENTBEFORE": return new SearchKey.SentDate(DateComparison.Before, SearchDate(cursor));
            case "SENTON": return new SearchKey.SentDate(DateComparison.On, SearchDate(cursor));
            case "SENTSINCE": return new SearchKey.SentDate(DateComparison.Since, SearchDate(cursor));
            case "LARGER":
                cursor.ExpectSpace("size");
                return new SearchKey.Size(SizeComparison.Larger, cursor.ReadNumber("size"));
            case "SMALLER":
                cursor.ExpectSpace("size");
                return new SearchKey.Size(SizeComparison.Smaller, cursor.ReadNumber("size"));
            case "UID":
                cursor.ExpectSpace("UID set");
                return new SearchKey.Uids(ReadSequenceSet(cursor));
            case "MODSEQ":
            {
                cursor.ExpectSpace("mod-sequence");
                if (cursor.PeekIs('"'))
                {
                    // entry-name SP entry-type-req: per-flag mod-sequences are not kept apart from the message's.
                    cursor.ReadString("an entry name");
                    cursor.ExpectSpace("entry type");
                    var type = cursor.ReadAtom("an entry type").ToLowerInvariant();
                    if (type is not ("priv" or "shared" or "all")) throw new ImapSyntaxException("Invalid entry type");
                    cursor.ExpectSpace("mod-sequence");
                }
                return new SearchKey.ModSeq(ReadModSeq(cursor, allowZero: true));
            }
            case "NOT":
                cursor.ExpectSpace("search key");
                return new SearchKey.Not(ReadSearchKey(cursor, encoding, depth + 1));
            case "OR":
            {
                cursor.ExpectSpace("search key");
                var left = ReadSearchKey(cursor, encoding, depth + 1);
                cursor.ExpectSpace("search key");
                return new SearchKey.Or(left, ReadSearchKey(cursor, encoding, depth + 1));
            }
            default:
                throw new ImapSyntaxException($"Unknown search key {word}");
        }
    }

    private static string SearchString(ImapCommandCursor cursor, Encoding encoding)
    {
        cursor.ExpectSpace("search string");
        return encoding.GetString(cursor.ReadAstringBytes("a search string"));
    }

    private static DateOnly SearchDate(ImapCommandCursor cursor)
    {
        cursor.ExpectSpace("date");
        var text = cursor.PeekIs('"')
            ? cursor.ReadString("date")
            : cursor.ReadWhile(b => b is >= (byte)'0' and <= (byte)'9' or (byte)'-' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z');
        if (!ImapDateTime.TryParseDate(text, out var date)) throw new ImapSyntaxException("Invalid date");
        return date;
    }

    // ----- shared pieces -----

    private static string ReadMailboxArgument(ImapCommandCursor cursor)
    {
        cursor.ExpectSpace("mailbox name");
        return ReadMailbox(cursor);
    }

    private static string ReadMailbox(ImapCommandCursor cursor)
    {
        var name = cursor.ReadAstring("a mailbox name");
        // mailbox = "INBOX" / astring: INBOX is case-insensitive.
        return name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" : name;
    }

    private static SequenceSet ReadSequenceSet(ImapCommandCursor cursor)
    {
        var text = cursor.ReadWhile(b => b is >= (byte)'0' and <= (byte)'9' or (byte)'*' or (byte)':' or (byte)',' or (byte)'$');
        if (!SequenceSet.TryParse(text, out var set)) throw new ImapSyntaxException("Invalid sequence set");
        // A sequence set is followed by a space, a parenthesis or the end; anything else (e.g. "1a") is malformed.
        if (!(cursor.AtEnd || cursor.PeekIs(' ') || cursor.PeekIs(')') || cursor.Peek() == -1)) throw new ImapSyntaxException("Invalid sequence set");
        return set;
    }

    private static IReadOnlyList<string> ReadFlagList(ImapCommandCursor cursor)
    {
        cursor.Expect('(', "flag list");
        var flags = new List<string>();
        if (!cursor.PeekIs(')'))
        {
            do
            {
                flags.Add(ReadFlag(cursor));
            } while (cursor.TryConsume(' '));
        }
        cursor.Expect(')', "flag list");
        return flags;
    }

    private static string ReadFlag(ImapCommandCursor cursor)
    {
        var system = cursor.TryConsume('\\');
        var atom = cursor.ReadAtom("a flag");
        return system ? CanonicalSystemFlag(atom) : atom;
    }

    /// <summary>System flags are case-insensitive; give them one spelling so the mailbox compares them simply.</summary>
    private static string CanonicalSystemFlag(string atom) => atom.ToUpperInvariant() switch
    {
        "ANSWERED" => @"\Answered",
        "FLAGGED" => @"\Flagged",
        "DELETED" => @"\Deleted",
        "SEEN" => @"\Seen",
        "DRAFT" => @"\Draft",
        "RECENT" => @"\Recent",
        _ => "\\" + atom,
    };
}
