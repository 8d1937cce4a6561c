namespace ActorMTA.Storage.Accounts;

/// <summary>A user as listed by the CLI (the password hash stays inside the directory).</summary>
public sealed record AccountUser(string Address, string Domain, DateTime CreatedUtc);
