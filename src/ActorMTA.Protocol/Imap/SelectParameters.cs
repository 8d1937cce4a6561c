namespace ActorMTA.Protocol.Imap;

/// <summary>
/// SELECT/EXAMINE parameters (RFC 4466 section 2.4): CONDSTORE (RFC 7162 section 3.1.8) and
/// QRESYNC (section 3.2.5). <see cref="None"/> when the command had none.
/// </summary>
public sealed record SelectParameters(bool CondStore, QresyncParameters? Qresync)
{
    public static readonly SelectParameters None = new(false, null);
}

/// <summary>
/// QRESYNC (uidvalidity mod-sequence [known-uids [(known-sequence-set known-uid-set)]]): what the client has cached.
/// </summary>
/// <param name="KnownUids">The uids the client knows, or null for all up to UIDNEXT.</param>
/// <param name="KnownSequences">With <paramref name="KnownSequenceUids"/>: message numbers and the uids the client has for them.</param>
public sealed record QresyncParameters(long UidValidity, long ModSeq, SequenceSet? KnownUids,
    SequenceSet? KnownSequences = null, SequenceSet? KnownSequenceUids = null);
