namespace ActorMTA.Integration.Tests.Harness;

/// <summary>A mailbox created with `actormta user add` before the server starts.</summary>
public sealed record TestUser(string Address, string Password)
{
    public static TestUser Local(string localPart) => new($"{localPart}@{ServerProcess.Domain}", $"pw-{localPart}-S3cret");
}
