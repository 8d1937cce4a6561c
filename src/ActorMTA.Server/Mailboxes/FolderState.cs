namespace ActorMTA.Server.Mailboxes;

/// <summary>One folder: its messages by uid plus the IMAP counters that must never go backwards.</summary>
public sealed class FolderState(string name)
{
    public string Name { get; } = name;

    /// <summary>0 until the folder's <see cref="FolderCreated"/> event is persisted.</summary>
    public long UidValidity { get; internal set; }

    public long UidNext { get; internal set; } = 1;

    public long Bytes { get; private set; }

    private readonly SortedList<long, MailboxMessage> _messages = new();

    /// <summary>Sorted by uid; index i is IMAP sequence number i + 1. Read-only view.</summary>
    public IList<MailboxMessage> Messages => _messages.Values;

    public int Count => _messages.Count;

    public MailboxMessage? Get(long uid) => _messages.GetValueOrDefault(uid);

    internal void Add(MailboxMessage message)
    {
        _messages.Add(message.Uid, message);
        Bytes += message.Size;
        if (message.Uid >= UidNext) UidNext = message.Uid + 1;
    }

    internal MailboxMessage? Remove(long uid)
    {
        if (!_messages.Remove(uid, out var message)) return null;
        Bytes -= message.Size;
        return message;
    }
}
