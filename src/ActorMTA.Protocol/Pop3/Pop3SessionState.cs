namespace ActorMTA.Protocol.Pop3;

/// <summary>The RFC 1939 session states, plus Closed once the engine has asked for the connection to end.</summary>
public enum Pop3SessionState
{
    Authorization,
    Transaction,
    Update,
    Closed,
}
