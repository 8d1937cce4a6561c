namespace ActorMTA.Storage.Suppression;

/// <summary>A refused suppression operation or bad input; the message is one line, fit to print from the CLI as is.</summary>
public sealed class SuppressionException(string message) : Exception(message);
