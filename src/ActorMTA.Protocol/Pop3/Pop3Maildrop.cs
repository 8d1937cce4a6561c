namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// The maildrop during TRANSACTION state: the messages loaded at login and which of them are marked
/// deleted. Nothing is removed until UPDATE state, so RSET can unmark everything.
/// </summary>
internal sealed class Pop3Maildrop
{
    private readonly Pop3Message[] messages;
    private readonly bool[] deleted;

    public Pop3Maildrop(IReadOnlyList<Pop3Message> messages)
    {
        this.messages = messages.ToArray();
        deleted = new bool[this.messages.Length];
        foreach (var message in this.messages)
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

    public int Count => messages.Length;

    /// <summary>Number of messages not marked deleted.</summary>
    public int LiveCount
    {
        get
        {
            var count = 0;
            for (var i = 0; i < messages.Length; i++)
            {
                if (!deleted[i]) count++;
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
            for (var i = 0; i < messages.Length; i++)
            {
                if (!deleted[i]) size += messages[i].Size;
            }
            return size;
        }
    }

    /// <summary>The message with this 1-based number, or null if out of range or marked deleted.</summary>
    public Pop3Message? Find(long number) =>
        number >= 1 && number <= messages.Length && !deleted[number - 1] ? messages[number - 1] : null;

    public bool Exists(long number) => number >= 1 && number <= messages.Length;

    public bool IsDeleted(long number) => deleted[number - 1];

    public void MarkDeleted(long number) => deleted[number - 1] = true;

    public void UnmarkAll() => Array.Clear(deleted);

    /// <summary>Live messages with their numbers, in number order.</summary>
    public IEnumerable<(int Number, Pop3Message Message)> Live()
    {
        for (var i = 0; i < messages.Length; i++)
        {
            if (!deleted[i]) yield return (i + 1, messages[i]);
        }
    }

    public IReadOnlyList<string> DeletedUids()
    {
        var uids = new List<string>();
        for (var i = 0; i < messages.Length; i++)
        {
            if (deleted[i]) uids.Add(messages[i].Uid);
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
