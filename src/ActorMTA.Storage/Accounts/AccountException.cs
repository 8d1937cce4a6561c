namespace ActorMTA.Storage.Accounts;

/// <summary>A refused account operation; the message is one line, fit to print from the CLI as is.</summary>
public sealed class AccountException : Exception
{
    public AccountException(string message) : base(message)
    {
    }
}
