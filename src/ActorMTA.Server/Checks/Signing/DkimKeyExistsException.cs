namespace ActorMTA.Server.Checks.Signing;

/// <summary>Generating a key under a selector that already has one: overwriting it would silently break every
/// signature made with the published key, so the operator must pick another selector.</summary>
public sealed class DkimKeyExistsException(string domain, string selector)
    : InvalidOperationException($"a DKIM key for {domain} with selector {selector} already exists; choose another --selector")
{
    public string Domain { get; } = domain;
    public string Selector { get; } = selector;
}
