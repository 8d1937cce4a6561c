namespace ActorMTA.Protocol.Imap;

/// <summary>
/// LIST-EXTENDED (RFC 5258) selection and return options, and LIST-STATUS (RFC 5819). <see cref="None"/> is a plain
/// RFC 3501 LIST.
/// </summary>
/// <param name="Subscribed">Selection SUBSCRIBED: subscribed names only (also those with no folder, \NonExistent).</param>
/// <param name="SpecialUse">Selection SPECIAL-USE (RFC 6154): folders with a special-use attribute only.</param>
/// <param name="RecursiveMatch">Selection RECURSIVEMATCH: also parents whose children match, with CHILDINFO.</param>
/// <param name="Status">RETURN (STATUS (...)): a STATUS response after each selectable folder listed, or null.</param>
public sealed record ListOptions(bool Subscribed, bool SpecialUse, bool RecursiveMatch, IReadOnlyList<ImapStatusItem>? Status)
{
    public static readonly ListOptions None = new(false, false, false, null);
}
