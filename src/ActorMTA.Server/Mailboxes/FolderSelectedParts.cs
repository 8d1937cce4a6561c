using System.Text;

namespace ActorMTA.Server.Mailboxes;

/// <summary>
/// The SELECT reply of a large folder in pieces. A 20,000-message <see cref="FolderSelected"/> serializes to
/// 1,488,374 bytes without structure blobs and 18,448,374 bytes with an 846-byte blob each (measured in
/// FolderSelectedPartsTests), against Akka's default remoting frame of 128,000 bytes: remoting drops a larger
/// message, so a session on another node would see its SELECT time out. A frame large enough would have to cover
/// the largest folder anybody keeps, and would hold up every other message on the connection while it is sent.
/// The mailbox sends leading <see cref="FolderSelectedPart"/>s that each stay within a byte budget, then the
/// <see cref="FolderSelected"/> with the rest; messages between two actors arrive in the order sent, so the session's
/// <see cref="Assembler"/> puts them back together.
/// </summary>
public static class FolderSelectedParts
{
    /// <summary>Half Akka's default frame: the rest is room for the remoting envelope and the reply's other fields.</summary>
    public const int DefaultPartBytes = 64_000;

    /// <summary>The parts to send before <paramref name="last"/>; none when the reply fits the budget as a whole.</summary>
    public static IReadOnlyList<FolderSelectedPart> Split(FolderSelected reply, int partBytes, out FolderSelected last)
    {
        var messages = reply.Messages;
        var parts = new List<FolderSelectedPart>();
        var start = 0;
        var bytes = 0L;
        for (var i = 0; i < messages.Count; i++)
        {
            var size = EncodedSize(messages[i]);
            // A part always takes at least one message, however large its structure blob.
            if (bytes + size > partBytes && i > start)
            {
                parts.Add(new FolderSelectedPart(reply.Address, reply.Folder, parts.Count, Slice(messages, start, i)));
                start = i;
                bytes = 0;
            }
            bytes += size;
        }
        if (parts.Count == 0)
        {
            last = reply;
            return parts;
        }
        last = reply with { Messages = Slice(messages, start, messages.Count), Parts = parts.Count };
        return parts;
    }

    /// <summary>
    /// An upper bound of the bytes ClusterMessageSerializer writes for <paramref name="m"/>: varints of at most 10
    /// bytes, strings with a length prefix of at most 5.
    /// </summary>
    internal static long EncodedSize(MailboxMessage m)
    {
        long size = 3 * 10 + 10 + 5 + Utf8(m.QueueId) + Utf8(m.ContentRef) + 5 + 1 + 5 + (m.Structure?.Length ?? 0);
        foreach (var flag in m.Flags) size += Utf8(flag);
        return size;
    }

    // The most UTF-8 bytes the string can take, not its exact count: a bound is all the split needs, and costs no scan.
    private static long Utf8(string s) => 5 + Encoding.UTF8.GetMaxByteCount(s.Length);

    private static MailboxMessage[] Slice(IReadOnlyList<MailboxMessage> messages, int from, int to)
    {
        var slice = new MailboxMessage[to - from];
        for (var i = from; i < to; i++) slice[i - from] = messages[i];
        return slice;
    }

    /// <summary>The session's side: collects parts and completes the reply that follows them.</summary>
    public sealed class Assembler
    {
        private readonly List<MailboxMessage> _messages = new();
        private int _parts;
        private bool _broken;

        public void Add(FolderSelectedPart part)
        {
            // Index 0 starts a reply: leftovers of an earlier one (its last piece lost with a node) are dropped.
            if (part.Index == 0) Reset();
            if (part.Index != _parts) _broken = true;
            _messages.AddRange(part.Messages);
            _parts++;
        }

        /// <summary>The whole reply, or null when parts are missing (the session then answers as for no reply).</summary>
        public FolderSelected? Complete(FolderSelected reply)
        {
            if (reply.Parts == 0)
            {
                Reset();
                return reply;
            }
            var complete = !_broken && _parts == reply.Parts;
            var whole = complete ? reply with { Messages = [.. _messages, .. reply.Messages], Parts = 0 } : null;
            Reset();
            return whole;
        }

        private void Reset()
        {
            _messages.Clear();
            _parts = 0;
            _broken = false;
        }
    }
}
