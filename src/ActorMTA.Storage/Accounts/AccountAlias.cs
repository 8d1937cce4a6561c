namespace ActorMTA.Storage.Accounts;

/// <summary>An alias as listed by the CLI: its address, domain and targets in the order given.</summary>
public sealed record AccountAlias(string Address, string Domain, IReadOnlyList<string> Targets);
