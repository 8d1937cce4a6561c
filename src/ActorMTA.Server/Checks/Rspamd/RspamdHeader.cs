namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>A header Rspamd asks to add (its <c>milter.add_headers</c>). <paramref name="Order"/> is Rspamd's
/// milter insertion position when given (0 and absent both mean "append").</summary>
public sealed record RspamdHeader(string Name, string Value, int? Order);
