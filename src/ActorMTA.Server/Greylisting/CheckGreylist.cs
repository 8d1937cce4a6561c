namespace ActorMTA.Server.Greylisting;

/// <summary>
/// May this delivery attempt (one RCPT) through? Answered with a <see cref="GreylistVerdict"/> once whatever it changed
/// is persisted. <paramref name="Network"/> comes from <see cref="GreylistPolicy.NetworkOf(System.Net.IPAddress, int, int)"/>;
/// sender and recipient are taken as given (the entity normalises them; "" or "&lt;&gt;" is the null sender).
/// </summary>
public sealed record CheckGreylist(string Network, string Sender, string Recipient) : IGreylistCommand;
