namespace ActorMTA.Server.Mailboxes;

/// <summary>RFC 6154 special-use attributes of the folders created on first login.</summary>
public static class SpecialUse
{
    public const string Sent = "\\Sent";
    public const string Drafts = "\\Drafts";
    public const string Trash = "\\Trash";
    public const string Junk = "\\Junk";

    /// <summary>Folder name and attribute, in the order they are created.</summary>
    public static readonly IReadOnlyList<(string Folder, string Attribute)> Defaults =
        [("Sent", Sent), ("Drafts", Drafts), ("Trash", Trash), ("Junk", Junk)];
}
