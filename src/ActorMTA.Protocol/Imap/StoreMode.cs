namespace ActorMTA.Protocol.Imap;

/// <summary>What STORE does with the given flags: FLAGS, +FLAGS or -FLAGS.</summary>
public enum StoreMode
{
    Replace,
    Add,
    Remove,
}
