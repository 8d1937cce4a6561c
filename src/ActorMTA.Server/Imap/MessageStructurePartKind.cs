namespace ActorMTA.Server.Imap;

/// <summary>How a MIME entity nests other entities, which decides what its sub-part numbers mean.</summary>
public enum MessageStructurePartKind : byte
{
    /// <summary>A leaf: its content has no numbered parts of its own.</summary>
    Basic = 0,

    /// <summary>multipart/*: part n is child n.</summary>
    Multipart = 1,

    /// <summary>message/rfc822: its content is a whole message (header, then body entity).</summary>
    Message = 2,
}
