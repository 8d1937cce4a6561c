namespace ActorMTA.Protocol.Imap;

/// <summary>
/// A parsed client command (RFC 3501 section 6 and the extensions in ImapCapabilities). Mailbox names
/// are as sent on the wire (modified UTF-7, see <see cref="ModifiedUtf7"/>), except that any spelling
/// of INBOX is given as "INBOX". Commands prefixed with UID carry <c>ByUid = true</c>.
/// </summary>
public abstract record ImapCommand(string Tag)
{
    /// <summary>The command name for the completion text ("UID FETCH", "LOGIN", ...).</summary>
    public abstract string Name { get; }

    public sealed record Capability(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "CAPABILITY";
    }

    public sealed record Noop(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "NOOP";
    }

    public sealed record Logout(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "LOGOUT";
    }

    public sealed record StartTls(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "STARTTLS";
    }

    /// <summary>AUTHENTICATE; <paramref name="InitialResponse"/> is the SASL-IR base64 argument as sent
    /// ("=" for an empty response), null when the client waits for a "+ " challenge. Further client
    /// lines are read with <see cref="ImapContinuationLine.ParseSaslResponse"/>.</summary>
    public sealed record Authenticate(string Tag, string Mechanism, string? InitialResponse) : ImapCommand(Tag)
    {
        public override string Name => "AUTHENTICATE";

        // A record prints every member by default; an initial PLAIN response holds the password.
        protected override bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append("Tag = ").Append(Tag).Append(", Mechanism = ").Append(Mechanism)
                .Append(", InitialResponse = ").Append(InitialResponse is null ? "null" : "***");
            return true;
        }
    }

    public sealed record Login(string Tag, string UserName, string Password) : ImapCommand(Tag)
    {
        public override string Name => "LOGIN";

        protected override bool PrintMembers(System.Text.StringBuilder builder)
        {
            builder.Append("Tag = ").Append(Tag).Append(", UserName = ").Append(UserName).Append(", Password = ***");
            return true;
        }
    }

    public sealed record Select(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "SELECT";

        public SelectParameters Parameters { get; init; } = SelectParameters.None;
    }

    public sealed record Examine(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "EXAMINE";

        public SelectParameters Parameters { get; init; } = SelectParameters.None;
    }

    public sealed record Create(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "CREATE";
    }

    public sealed record Delete(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "DELETE";
    }

    public sealed record Rename(string Tag, string Mailbox, string NewName) : ImapCommand(Tag)
    {
        public override string Name => "RENAME";
    }

    public sealed record Subscribe(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "SUBSCRIBE";
    }

    public sealed record Unsubscribe(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "UNSUBSCRIBE";
    }

    /// <summary>LIST reference pattern; see <see cref="MailboxPattern"/> for combining and matching.</summary>
    /// <summary>LIST; <see cref="Patterns"/> holds every pattern of LIST-EXTENDED's "(p1 p2)" form (<see cref="Pattern"/> is the first).</summary>
    public sealed record List(string Tag, string Reference, string Pattern) : ImapCommand(Tag)
    {
        public override string Name => "LIST";

        public IReadOnlyList<string> Patterns { get; init; } = [Pattern];

        public ListOptions Options { get; init; } = ListOptions.None;
    }

    public sealed record Lsub(string Tag, string Reference, string Pattern) : ImapCommand(Tag)
    {
        public override string Name => "LSUB";
    }

    public sealed record Status(string Tag, string Mailbox, IReadOnlyList<ImapStatusItem> Items) : ImapCommand(Tag)
    {
        public override string Name => "STATUS";
    }

    /// <summary>APPEND; <paramref name="Flags"/> empty when no flag list was given, <paramref name="InternalDate"/>
    /// null when no date-time was given (the server uses the current time). These are the first message's;
    /// <see cref="Messages"/> holds every message of a MULTIAPPEND (RFC 3502), the first included.</summary>
    public sealed record Append(
        string Tag,
        string Mailbox,
        IReadOnlyList<string> Flags,
        DateTimeOffset? InternalDate,
        ImapAppendMessage Message) : ImapCommand(Tag)
    {
        private readonly IReadOnlyList<ImapAppendItem>? _messages;

        public override string Name => "APPEND";

        public IReadOnlyList<ImapAppendItem> Messages
        {
            get => _messages ?? [new ImapAppendItem(Flags, InternalDate, Message)];
            init => _messages = value;
        }
    }

    public sealed record Check(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "CHECK";
    }

    public sealed record Close(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "CLOSE";
    }

    public sealed record Unselect(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "UNSELECT";
    }

    /// <summary>EXPUNGE, or UID EXPUNGE (RFC 4315) when <paramref name="Uids"/> is set: only deleted
    /// messages in that UID set are removed.</summary>
    public sealed record Expunge(string Tag, SequenceSet? Uids) : ImapCommand(Tag)
    {
        public override string Name => Uids is null ? "EXPUNGE" : "UID EXPUNGE";
    }

    /// <summary>SEARCH; several top-level keys are combined into one <see cref="SearchKey.And"/>.
    /// <paramref name="Charset"/> is as given (strings are already decoded with it). <paramref name="Return"/> is null
    /// for a plain SEARCH (answered with <c>* SEARCH</c>), else the RETURN options (answered with ESEARCH).</summary>
    public sealed record Search(string Tag, bool ByUid, string? Charset, SearchKey Criteria, SearchReturn? Return = null) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID SEARCH" : "SEARCH";
    }

    /// <summary>SORT (RFC 5256, and RFC 5957 DISPLAYFROM/DISPLAYTO): the messages matching <paramref name="Criteria"/>
    /// ordered by <paramref name="SortBy"/>.</summary>
    public sealed record Sort(string Tag, bool ByUid, IReadOnlyList<SortCriterion> SortBy, string Charset, SearchKey Criteria) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID SORT" : "SORT";
    }

    /// <summary>THREAD (RFC 5256): the messages matching <paramref name="Criteria"/> arranged in threads.</summary>
    public sealed record Thread(string Tag, bool ByUid, ThreadAlgorithm Algorithm, string Charset, SearchKey Criteria) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID THREAD" : "THREAD";
    }

    public sealed record Fetch(string Tag, bool ByUid, SequenceSet Set, IReadOnlyList<FetchAttribute> Attributes) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID FETCH" : "FETCH";

        /// <summary>CHANGEDSINCE (RFC 7162 section 3.1.4): only messages whose mod-sequence is greater; implies MODSEQ.</summary>
        public long? ChangedSince { get; init; }

        /// <summary>VANISHED (RFC 7162 section 3.2.6, UID FETCH with CHANGEDSINCE only): also report expunged uids of the set.</summary>
        public bool Vanished { get; init; }
    }

    public sealed record Store(string Tag, bool ByUid, SequenceSet Set, StoreMode Mode, bool Silent, IReadOnlyList<string> Flags) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID STORE" : "STORE";

        /// <summary>UNCHANGEDSINCE (RFC 7162 section 3.1.3): leave messages changed after this mod-sequence alone.</summary>
        public long? UnchangedSince { get; init; }
    }

    public sealed record Copy(string Tag, bool ByUid, SequenceSet Set, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID COPY" : "COPY";
    }

    public sealed record Move(string Tag, bool ByUid, SequenceSet Set, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => ByUid ? "UID MOVE" : "MOVE";
    }

    /// <summary>IDLE (RFC 2177): the server answers "+ idling" and then reads lines with
    /// <see cref="ImapContinuationLine.IsIdleDone"/> until DONE.</summary>
    public sealed record Idle(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "IDLE";
    }

    /// <summary>COMPRESS (RFC 4978): <see cref="Mechanism"/> as sent (only DEFLATE is known).</summary>
    public sealed record Compress(string Tag, string Mechanism) : ImapCommand(Tag)
    {
        public override string Name => "COMPRESS";
    }

    /// <summary>GETQUOTAROOT (RFC 9208 section 4.3): the quota roots of a mailbox and their quotas.</summary>
    public sealed record GetQuotaRoot(string Tag, string Mailbox) : ImapCommand(Tag)
    {
        public override string Name => "GETQUOTAROOT";
    }

    /// <summary>GETQUOTA (RFC 9208 section 4.2).</summary>
    public sealed record GetQuota(string Tag, string Root) : ImapCommand(Tag)
    {
        public override string Name => "GETQUOTA";
    }

    /// <summary>SETQUOTA (RFC 9208 section 4.1): resource names and limits as sent.</summary>
    public sealed record SetQuota(string Tag, string Root, IReadOnlyList<KeyValuePair<string, long>> Limits) : ImapCommand(Tag)
    {
        public override string Name => "SETQUOTA";
    }

    public sealed record Namespace(string Tag) : ImapCommand(Tag)
    {
        public override string Name => "NAMESPACE";
    }

    public sealed record Enable(string Tag, IReadOnlyList<string> Capabilities) : ImapCommand(Tag)
    {
        public override string Name => "ENABLE";
    }

    /// <summary>ID (RFC 2971); <paramref name="Parameters"/> null for ID NIL. Values may be NIL (null).</summary>
    public sealed record Id(string Tag, IReadOnlyList<KeyValuePair<string, string?>>? Parameters) : ImapCommand(Tag)
    {
        public override string Name => "ID";
    }
}
