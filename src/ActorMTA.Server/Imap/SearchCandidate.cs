using ActorMTA.Protocol.Imap;
using SortValues = ActorMTA.Protocol.Imap.SortFields;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Storage;
using MimeKit;

namespace ActorMTA.Server.Imap;

/// <summary>One message tested against SEARCH keys; its content is parsed once, only if a key needs it.
/// <paramref name="savedResult"/> is what <c>$</c> stands for (RFC 5182): UIDs.</summary>
internal sealed class SearchCandidate(uint sequence, uint count, uint largestUid, MailboxMessage message, bool recent, IContentStore content,
    IReadOnlySet<long> savedResult)
{
    private MimeMessage? _parsed;

    private MimeMessage Parsed
    {
        get
        {
            if (_parsed is null)
            {
                using var raw = content.OpenRead(message.ContentRef);
                _parsed = MimeMessage.Load(raw);
            }
            return _parsed;
        }
    }

    private MimeMessage? _headersOnly;

    /// <summary>The header of the message only (SORT and THREAD need no more), or the whole message when a key already parsed it.</summary>
    private MimeMessage HeaderFields
    {
        get
        {
            if (_parsed is not null) return _parsed;
            if (_headersOnly is null)
            {
                using var raw = content.OpenRead(message.ContentRef);
                _headersOnly = new MimeMessage(HeaderList.Load(raw).Cast<object>().ToArray());
            }
            return _headersOnly;
        }
    }

    public bool Matches(SearchKey key) => key switch
    {
        SearchKey.All => true,
        SearchKey.Flag flag => (string.Equals(flag.Name, MailboxFlags.Recent, StringComparison.OrdinalIgnoreCase)
            ? recent : message.HasFlag(flag.Name)) == flag.Present,
        SearchKey.Header header => HeaderContains(header.FieldName, header.Value),
        SearchKey.Body body => Contains(Parsed.TextBody ?? Parsed.HtmlBody, body.Value),
        SearchKey.Text text => Contains(Parsed.TextBody ?? Parsed.HtmlBody, text.Value)
            || Parsed.Headers.Any(h => Contains(h.Value, text.Value)),
        SearchKey.InternalDate date => Compare(DateOnly.FromDateTime(message.InternalDate.Date), date.Comparison, date.Date),
        SearchKey.SentDate date => Compare(DateOnly.FromDateTime(Parsed.Date.Date), date.Comparison, date.Date),
        SearchKey.Size size => size.Comparison == SizeComparison.Larger ? message.Size > size.Octets : message.Size < size.Octets,
        SearchKey.SequenceNumbers { Set.IsSavedResult: true } or SearchKey.Uids { Set.IsSavedResult: true } => savedResult.Contains(message.Uid),
        SearchKey.SequenceNumbers numbers => numbers.Set.Contains(sequence, count),
        SearchKey.Uids uids => uids.Set.Contains((uint)message.Uid, largestUid),
        SearchKey.ModSeq modSeq => message.ModSeq >= modSeq.Minimum,
        SearchKey.Not not => !Matches(not.Key),
        SearchKey.Or or => Matches(or.Left) || Matches(or.Right),
        SearchKey.And and => and.Keys.All(Matches),
        _ => false,
    };

    /// <summary>Header fields whose value is an address list: searched by address and display name, as Dovecot does.</summary>
    private static readonly HashSet<string> AddressFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Sender", "Reply-To", "Resent-From", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Sender",
    };

    /// <summary>
    /// A field contains the value in its RFC 2047-decoded text or, for address fields, in one of its parsed
    /// mailboxes' address (comments and folding removed, so <c>&lt;a (x)@ (y) b.org&gt;</c> is <c>a@b.org</c>)
    /// or decoded display name.
    /// </summary>
    private bool HeaderContains(string field, string value)
    {
        var present = false;
        var addresses = AddressFields.Contains(field);
        foreach (var header in Parsed.Headers)
        {
            if (!string.Equals(header.Field, field, StringComparison.OrdinalIgnoreCase)) continue;
            present = true;
            if (Contains(header.Value, value)) return true;
            if (addresses && AddressContains(header, value)) return true;
        }
        return present && value.Length == 0;
    }

    private static bool AddressContains(Header header, string value)
    {
        if (!InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list)) return false;
        foreach (var mailbox in list.Mailboxes)
        {
            if (Contains(mailbox.Address, value) || Contains(mailbox.Name, value)) return true;
        }
        return false;
    }

    /// <summary>What SORT compares of this message (RFC 5256 section 3, RFC 5957). Without <paramref name="headers"/>
    /// (ARRIVAL and SIZE only) the content is not read.</summary>
    public SortFields SortFields(uint number, bool headers)
    {
        if (!headers) return new SortFields(sequence, number, message.InternalDate, message.InternalDate, message.Size, "", "", "", "", "", "");
        var from = HeaderFields.From.Mailboxes.FirstOrDefault();
        var to = HeaderFields.To.Mailboxes.FirstOrDefault();
        var cc = HeaderFields.Cc.Mailboxes.FirstOrDefault();
        return new SortFields(sequence, number, message.InternalDate, SentDate, message.Size, BaseSubject.Extract(HeaderFields.Subject),
            SortValues.Mailbox(from?.Address), SortValues.Mailbox(to?.Address), SortValues.Mailbox(cc?.Address),
            SortValues.DisplayValue(from?.Name, from?.Address), SortValues.DisplayValue(to?.Name, to?.Address));
    }

    /// <summary>What THREAD needs of this message (RFC 5256 section 3).</summary>
    public ThreadMessage ThreadMessage(uint number)
    {
        var subject = BaseSubject.Extract(HeaderFields.Subject, out var reply);
        IReadOnlyList<string> references = HeaderFields.References.Count > 0 ? HeaderFields.References.ToList()
            : string.IsNullOrEmpty(HeaderFields.InReplyTo) ? [] : [HeaderFields.InReplyTo];
        return new ThreadMessage(sequence, number, SentDate, subject, reply, string.IsNullOrEmpty(HeaderFields.MessageId) ? null : HeaderFields.MessageId, references);
    }

    /// <summary>The Date: field, or the internal date when it is missing or unreadable (RFC 5256 section 2.2).</summary>
    private DateTimeOffset SentDate => HeaderFields.Headers.Contains(HeaderId.Date) && HeaderFields.Date != DateTimeOffset.MinValue ? HeaderFields.Date : message.InternalDate;

    private static bool Contains(string? haystack, string needle) =>
        haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    private static bool Compare(DateOnly actual, DateComparison comparison, DateOnly date) => comparison switch
    {
        DateComparison.Before => actual < date,
        DateComparison.On => actual == date,
        _ => actual >= date,
    };
}
