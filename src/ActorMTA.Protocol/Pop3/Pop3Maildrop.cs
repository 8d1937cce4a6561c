namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// The maildrop during TRANSACTION state: the messages loaded at login and which of them are marked
/// deleted. Nothing is removed until UPDATE state, so RSET can unmark everything.
/// </summary>
internal sealed class Pop3Maildrop
{
    private readonly Pop3Message[] _messages;
    private readonly bool[] _deleted;

    public Pop3Maildrop(IReadOnlyList<Pop3Message> messages)
    {
        _messages = messages.ToArray();
        _deleted = new bool[_messages.Length];
        foreach (var message in _messages)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (!IsValidUid(message.Uid))
            {
                throw new ArgumentException($"Invalid POP3 unique id '{message.Uid}': 1..70 characters in 0x21..0x7E required.", nameof(messages));
            }
            if (message.Size < 0)
            {
                throw new ArgumentException($"Negative size for message '{message.Uid}'.", nameof(messages));
            }
        }
    }

    public int Count => _messages.Length;

    /// <summary>Number of messages not marked deleted.</summary>
    public int LiveCount
    {
        get
        {
            var count = 0;
            for (var i = 0; i < _messages.Length; i++)
            {
                if (!_deleted[i]) count++;
            }
            return count;
        }
    }

    /// <summary>Sum of the sizes of messages not marked deleted.</summary>
    public long LiveSize
    {
        get
        {
            long size = 0;
            for (var i = 0; i < _messages.Length; i++)
            {
                if (!_deleted[i]) size += _messages[i].Size;
            }
            return size;
        }
    }

    /// <summary>The message with this 1-based number, or null if out of range or marked deleted.</summary>
    public Pop3Message? Find(long number) =>
        number >= 1 && number <= _messages.Length && !_deleted[number - 1] ? _messages[number - 1] : null;

    public bool Exists(long number) => number >= 1 && number <= _messages.Length;

    public bool IsDeleted(long number) => _deleted[number - 1];

    public void MarkDeleted(long number) => _deleted[number - 1] = true;

    public void UnmarkAll() => Array.Clear(_deleted);

    /// <summary>Live messages with their numbers, in number order.</summary>
    public IEnumerable<(int Number, Pop3Message Message)> Live()
    {
        for (var i = 0; i < _messages.Length; i++)
        {
            if (!_deleted[i]) yield return (i + 1, _messages[i]);
        }
    }

    public IReadOnlyList<string> DeletedUids()
    {
        var uids = new List<string>();
        for (var i = 0; i < _messages.Length; i++)
        {
            if (_deleted[i]) uids.Add(_messages[i].Uid);
        }
        return uids;
    }

    private static bool IsValidUid(string? uid)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > 70) return false;
        foreach (var c in uid)
        {
            if (c < 0x21 || c > 0x7E) return false;
        }
        return true;
    }
}
