namespace ActorMTA.Protocol.Imap;

/// <summary>
/// A server response (RFC 3501 section 7). Turn it into bytes with
/// <see cref="ImapResponseFormatter.Format"/> (or <see cref="ImapResponseFormatter.FormatSegments"/>
/// when a FETCH carries streamed content).
/// </summary>
public abstract record ImapResponse
{
    private ImapResponse()
    {
    }

    /// <summary>"+ Ready for literal data", the invitation to send a synchronizing literal.</summary>
    public static readonly Continuation ReadyForLiteral = new("Ready for literal data");

    /// <summary>OK/NO/BAD (tagged, or untagged when <paramref name="Tag"/> is null), PREAUTH, BYE.</summary>
    public sealed record StatusResponse(string? Tag, ImapStatus Status, ImapResponseCode? Code, string Text) : ImapResponse;

    /// <summary>Command continuation request: "+ text" (for SASL challenges the text is base64, may be empty).</summary>
    public sealed record Continuation(string Text) : ImapResponse;

    public sealed record Exists(uint Count) : ImapResponse;

    public sealed record Recent(uint Count) : ImapResponse;

    public sealed record Expunge(uint SequenceNumber) : ImapResponse;

    /// <summary>VANISHED (RFC 7162 section 3.2.10): expunged uids; EARLIER when they were gone before this command.</summary>
    public sealed record Vanished(bool Earlier, SequenceSet Uids) : ImapResponse;

    public sealed record Flags(IReadOnlyList<string> Values) : ImapResponse;

    /// <summary>LIST, or LSUB when <paramref name="Lsub"/>; <paramref name="Delimiter"/> null is NIL.</summary>
    /// <param name="ChildInfo">LIST-EXTENDED's CHILDINFO extended data ("SUBSCRIBED"): a child matches the selection.</param>
    public sealed record List(IReadOnlyList<string> Attributes, char? Delimiter, string Mailbox, bool Lsub = false, bool ChildInfo = false) : ImapResponse;

    public sealed record MailboxStatus(string Mailbox, IReadOnlyList<KeyValuePair<ImapStatusItem, ulong>> Items) : ImapResponse;

    public sealed record Search(IReadOnlyList<uint> Numbers) : ImapResponse
    {
        /// <summary>RFC 7162 section 3.1.5: with a MODSEQ search key, the highest mod-sequence of the found messages.</summary>
        public long? ModSeq { get; init; }
    }

    /// <summary>ESEARCH (RFC 4731): <c>* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n] [ALL set]</c>; null items are left out.</summary>
    public sealed record ESearch(string Tag, bool Uid, uint? Min, uint? Max, uint? Count, SequenceSet? All) : ImapResponse
    {
        /// <summary>RFC 7162 section 3.1.5 / RFC 4731: the highest mod-sequence of the found messages (MODSEQ search key only).</summary>
        public long? ModSeq { get; init; }
    }

    /// <summary>SORT (RFC 5256): the numbers in sorted order.</summary>
    public sealed record Sort(IReadOnlyList<uint> Numbers) : ImapResponse;

    /// <summary>THREAD (RFC 5256): one parenthesized list per thread.</summary>
    public sealed record Thread(IReadOnlyList<ThreadNode> Threads) : ImapResponse;

    public sealed record Capability(IReadOnlyList<string> Capabilities) : ImapResponse;

    /// <summary>QUOTAROOT (RFC 9208 section 5.2): the mailbox and its quota roots (none when it has no quota).</summary>
    public sealed record QuotaRoot(string Mailbox, IReadOnlyList<string> Roots) : ImapResponse;

    /// <summary>QUOTA (RFC 9208 section 5.1): usage and limit of each resource of a root (STORAGE in units of 1024 octets).</summary>
    public sealed record Quota(string Root, IReadOnlyList<(string Resource, long Usage, long Limit)> Resources) : ImapResponse;

    /// <summary>NAMESPACE (RFC 2342): personal, other users', shared; null is NIL.</summary>
    public sealed record Namespace(
        IReadOnlyList<ImapNamespace>? Personal,
        IReadOnlyList<ImapNamespace>? OtherUsers,
        IReadOnlyList<ImapNamespace>? Shared) : ImapResponse;

    public sealed record Enabled(IReadOnlyList<string> Capabilities) : ImapResponse;

    /// <summary>ID (RFC 2971); null parameters is NIL.</summary>
    public sealed record Id(IReadOnlyList<KeyValuePair<string, string?>>? Parameters) : ImapResponse;

    public sealed record Fetch(uint SequenceNumber, IReadOnlyList<ImapFetchItem> Items) : ImapResponse;
}
