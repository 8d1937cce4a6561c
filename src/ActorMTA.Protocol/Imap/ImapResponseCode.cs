using System.Globalization;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// A response code: the text between the brackets of <c>OK [UIDNEXT 4392] ...</c>. Built with the
/// factory members, which produce the exact syntax of RFC 3501 section 7.1, RFC 4315 (APPENDUID,
/// COPYUID), RFC 5530 (TOOBIG, AUTHENTICATIONFAILED, ...) and RFC 7162 (CLOSED).
/// </summary>
public sealed record ImapResponseCode(string Text)
{
    public static readonly ImapResponseCode Alert = new("ALERT");
    public static readonly ImapResponseCode ReadOnly = new("READ-ONLY");
    public static readonly ImapResponseCode ReadWrite = new("READ-WRITE");
    public static readonly ImapResponseCode TryCreate = new("TRYCREATE");
    public static readonly ImapResponseCode Parse = new("PARSE");
    public static readonly ImapResponseCode TooBig = new("TOOBIG");
    public static readonly ImapResponseCode AuthenticationFailed = new("AUTHENTICATIONFAILED");
    public static readonly ImapResponseCode PrivacyRequired = new("PRIVACYREQUIRED");
    public static readonly ImapResponseCode Unavailable = new("UNAVAILABLE");
    public static readonly ImapResponseCode OverQuota = new("OVERQUOTA");
    public static readonly ImapResponseCode Closed = new("CLOSED");
    public static readonly ImapResponseCode Cannot = new("CANNOT");
    /// <summary>RFC 4978: compression is already on.</summary>
    public static readonly ImapResponseCode CompressionActive = new("COMPRESSIONACTIVE");
    public static readonly ImapResponseCode NonExistent = new("NONEXISTENT");
    public static readonly ImapResponseCode AlreadyExists = new("ALREADYEXISTS");
    public static readonly ImapResponseCode ServerBug = new("SERVERBUG");
    public static readonly ImapResponseCode Limit = new("LIMIT");
    /// <summary>RFC 5530: the command could not be carried out on some messages because they were expunged.</summary>
    public static readonly ImapResponseCode ExpungeIssued = new("EXPUNGEISSUED");
    public static readonly ImapResponseCode NoPerm = new("NOPERM");
    /// <summary>RFC 3516: BINARY of a part whose Content-Transfer-Encoding the server cannot decode.</summary>
    public static readonly ImapResponseCode UnknownCte = new("UNKNOWN-CTE");

    public static ImapResponseCode Capability(IEnumerable<string> capabilities) => new("CAPABILITY " + string.Join(' ', capabilities));

    /// <summary>PERMANENTFLAGS; include "\*" when new keywords may be created.</summary>
    public static ImapResponseCode PermanentFlags(IEnumerable<string> flags) => new("PERMANENTFLAGS (" + string.Join(' ', flags) + ")");

    /// <summary>RFC 7162 section 3.1.2.1.</summary>
    public static ImapResponseCode HighestModSeq(long modSeq) => new("HIGHESTMODSEQ " + modSeq.ToString(CultureInfo.InvariantCulture));

    /// <summary>RFC 7162 section 3.1.3: messages a conditional STORE left alone (message numbers, or uids for UID STORE).</summary>
    public static ImapResponseCode Modified(SequenceSet set) => new("MODIFIED " + set);

    public static ImapResponseCode UidNext(uint uid) => new("UIDNEXT " + uid.ToString(CultureInfo.InvariantCulture));

    public static ImapResponseCode UidValidity(uint value) => new("UIDVALIDITY " + value.ToString(CultureInfo.InvariantCulture));

    public static ImapResponseCode Unseen(uint sequenceNumber) => new("UNSEEN " + sequenceNumber.ToString(CultureInfo.InvariantCulture));

    public static ImapResponseCode BadCharset(IEnumerable<string> supported) => new("BADCHARSET (" + string.Join(' ', supported) + ")");

    /// <summary>APPENDUID (RFC 4315): the UID the appended message got.</summary>
    public static ImapResponseCode AppendUid(uint uidValidity, uint uid) =>
        new(string.Create(CultureInfo.InvariantCulture, $"APPENDUID {uidValidity} {uid}"));

    /// <summary>APPENDUID of a MULTIAPPEND (RFC 4315, RFC 3502): the UIDs of all appended messages, in order.</summary>
    public static ImapResponseCode AppendUid(uint uidValidity, IReadOnlyList<uint> uids) =>
        new(string.Create(CultureInfo.InvariantCulture, $"APPENDUID {uidValidity} {SequenceSet.FromNumbers(uids)}"));

    /// <summary>COPYUID (RFC 4315): source UIDs and the UIDs of their copies, in corresponding order.</summary>
    public static ImapResponseCode CopyUid(uint uidValidity, IReadOnlyList<uint> sourceUids, IReadOnlyList<uint> destinationUids)
    {
        if (sourceUids.Count != destinationUids.Count) throw new ArgumentException("Every source UID needs its destination UID.");
        return new(string.Create(CultureInfo.InvariantCulture,
            $"COPYUID {uidValidity} {SequenceSet.FromNumbers(sourceUids)} {SequenceSet.FromNumbers(destinationUids)}"));
    }

    public override string ToString() => Text;
}
