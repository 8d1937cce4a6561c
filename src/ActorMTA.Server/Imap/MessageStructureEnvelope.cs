using ActorMTA.Protocol.Imap;
using MimeKit;

namespace ActorMTA.Server.Imap;

/// <summary>ENVELOPE (RFC 3501 section 7.4.2) from a parsed message header.</summary>
internal static class MessageStructureEnvelope
{
    public static ImapEnvelope From(HeaderList headers)
    {
        var from = Addresses(headers, HeaderId.From);
        // Absent or empty Sender / Reply-To: the server fills in From.
        var sender = Addresses(headers, HeaderId.Sender) ?? from;
        var replyTo = Addresses(headers, HeaderId.ReplyTo) ?? from;
        return new ImapEnvelope(
            Date: MessageStructureHeaderText.Raw(headers, HeaderId.Date),
            Subject: MessageStructureHeaderText.Raw(headers, HeaderId.Subject),
            From: from,
            Sender: sender,
            ReplyTo: replyTo,
            To: Addresses(headers, HeaderId.To),
            Cc: Addresses(headers, HeaderId.Cc),
            Bcc: Addresses(headers, HeaderId.Bcc),
            InReplyTo: MessageStructureHeaderText.Raw(headers, HeaderId.InReplyTo),
            MessageId: MessageStructureHeaderText.Raw(headers, HeaderId.MessageId));
    }

    /// <summary>The first header with <paramref name="id"/> as address structures; null (NIL) when the header
    /// is absent, empty or holds nothing that parses as an address.</summary>
    private static IReadOnlyList<ImapAddress>? Addresses(HeaderList headers, HeaderId id)
    {
        var raw = MessageStructureHeaderText.RawBytes(headers, id);
        if (raw is null || !InternetAddressList.TryParse(ParserOptions.Default, raw, out var list) || list.Count == 0)
            return null;
        var result = new List<ImapAddress>();
        foreach (var address in list) Append(result, address);
        return result.Count == 0 ? null : result;
    }

    private static void Append(List<ImapAddress> result, InternetAddress address)
    {
        switch (address)
        {
            case GroupAddress group:
                // Group syntax: a start marker (NIL host, name as mailbox), the members, an end marker.
                result.Add(ImapAddress.GroupStart(MessageStructureHeaderText.ToWire(group.Name ?? "", phrase: true)));
                foreach (var member in group.Members) Append(result, member);
                result.Add(ImapAddress.GroupEnd);
                break;
            case MailboxAddress mailbox:
                var name = string.IsNullOrEmpty(mailbox.Name) ? null : MessageStructureHeaderText.ToWire(mailbox.Name, phrase: true);
                var adl = mailbox.Route.Count == 0 ? null : string.Join(',', mailbox.Route.Select(domain => "@" + domain));
                // A missing domain must not read as NIL, which would mean a group marker.
                result.Add(new ImapAddress(name, adl, mailbox.LocalPart, mailbox.Domain ?? ""));
                break;
        }
    }
}
