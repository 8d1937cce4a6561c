namespace ActorMTA.Protocol.Imap;

/// <summary>One namespace of a NAMESPACE response (RFC 2342): prefix and hierarchy delimiter (null for NIL).</summary>
public sealed record ImapNamespace(string Prefix, char? Delimiter);
