namespace ActorMTA.Protocol.Http.Inject;

/// <summary>The templated fields of an assembled message as rendered for one recipient.</summary>
public sealed record InjectRendering(
    string Subject,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? TextBody,
    string? HtmlBody);
