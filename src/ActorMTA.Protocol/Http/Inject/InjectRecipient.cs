namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// One recipient of an injection request: the envelope address, the display name for its To header and the
/// substitutions that override the request's global ones for this recipient only.
/// </summary>
public sealed record InjectRecipient(string Email, string? Name, IReadOnlyDictionary<string, object?> Substitutions)
{
    public static readonly IReadOnlyDictionary<string, object?> NoSubstitutions = new Dictionary<string, object?>();
}
