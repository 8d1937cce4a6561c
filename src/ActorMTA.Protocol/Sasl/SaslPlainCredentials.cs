namespace ActorMTA.Protocol.Sasl;

/// <summary>A decoded PLAIN response. <see cref="AuthorizationId"/> is empty when the client sent none.</summary>
public sealed record SaslPlainCredentials(string AuthorizationId, string AuthenticationId, string Password)
{
    internal static readonly SaslPlainCredentials None = new("", "", "");

    // Records print all members by default; a password must never reach a log line. (The compiler calls it.)
#pragma warning disable IDE0051
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("AuthorizationId = ").Append(AuthorizationId).Append(", AuthenticationId = ").Append(AuthenticationId).Append(", Password = ***");
        return true;
    }
#pragma warning restore IDE0051
}
