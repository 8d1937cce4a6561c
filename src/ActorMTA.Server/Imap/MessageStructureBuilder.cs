using ActorMTA.Protocol.Imap;
using MimeKit;

namespace ActorMTA.Server.Imap;

/// <summary>
/// Runs MimeKit's parser once over a raw message, recording from its events where each entity's header,
/// content and end lie, and turns the parsed tree into BODYSTRUCTURE, ENVELOPE and the offset layout.
/// </summary>
internal static class MessageStructureBuilder
{
    private readonly record struct EntityOffsets(long Begin, long HeadersEnd, long End, long Lines);

    private sealed class ParsedOffsets
    {
        public readonly Dictionary<MimeEntity, long> Begins = new(ReferenceEqualityComparer.Instance);
        public readonly Dictionary<MimeEntity, EntityOffsets> Entities = new(ReferenceEqualityComparer.Instance);

        public EntityOffsets this[MimeEntity entity] =>
            Entities.TryGetValue(entity, out var offsets)
                ? offsets
                : throw new InvalidOperationException("The MIME parser reported no offsets for an entity.");
    }

    public static MessageStructure Build(Stream rawMessage)
    {
        var offsets = new ParsedOffsets();
        // Persistent parsing leaves part contents in the (seekable) stream rather than copying them.
        var parser = new MimeParser(rawMessage, MimeFormat.Entity, persistent: rawMessage.CanSeek);
        parser.MimeEntityBegin += (_, e) => offsets.Begins[e.Entity] = e.BeginOffset;
        parser.MimeEntityEnd += (_, e) =>
            offsets.Entities[e.Entity] = new EntityOffsets(offsets.Begins[e.Entity], e.HeadersEndOffset, e.EndOffset, e.Lines);
        long messageEnd = 0;
        parser.MimeMessageEnd += (_, e) =>
        {
            if (e.Parent is null) messageEnd = e.EndOffset;
        };

        var message = parser.ParseMessage();
        var (body, layout) = Describe(message.Body ?? throw new FormatException("The message has no body entity."), offsets);
        var size = Math.Max(messageEnd, layout.EndOffset);
        return new MessageStructure(size, MessageStructureEnvelope.From(message.Headers), body, layout);
    }

    private static (ImapBodyStructure Body, MessageStructurePart Layout) Describe(MimeEntity entity, ParsedOffsets offsets)
    {
        var at = offsets[entity];
        var contentType = entity.ContentType;
        switch (entity)
        {
            case Multipart multipart:
                return DescribeMultipart(multipart, at, offsets);
            case MessagePart { Message.Body: { } innerBody } part when IsRfc822(contentType):
            {
                var (messageBody, innerLayout) = Describe(innerBody, offsets);
                var body = BasicPart(entity, at) with
                {
                    Message = MessageStructureEnvelope.From(part.Message.Headers),
                    MessageBody = messageBody,
                    Lines = at.Lines,
                };
                return (body, new MessageStructurePart(MessageStructurePartKind.Message, at.Begin, at.HeadersEnd, at.End, [], innerLayout));
            }
            default:
                return (BasicPart(entity, at), new MessageStructurePart(MessageStructurePartKind.Basic, at.Begin, at.HeadersEnd, at.End, [], null));
        }
    }

    private static (ImapBodyStructure Body, MessageStructurePart Layout) DescribeMultipart(Multipart multipart, EntityOffsets at, ParsedOffsets offsets)
    {
        var bodies = new List<ImapBodyStructure>(multipart.Count);
        var layouts = new List<MessageStructurePart>(multipart.Count);
        foreach (var child in multipart)
        {
            var (body, layout) = Describe(child, offsets);
            bodies.Add(body);
            layouts.Add(layout);
        }
        if (bodies.Count == 0)
        {
            // A multipart whose boundary never shows up: IMAP has no syntax for zero parts, so it gets one
            // empty text part at its end (what other servers do too).
            bodies.Add(new ImapBodyPart("TEXT", "PLAIN", null, null, "7BIT", 0) { Parameters = [new("CHARSET", "US-ASCII")], Lines = 0 });
            layouts.Add(new MessageStructurePart(MessageStructurePartKind.Basic, at.End, at.End, at.End, [], null));
        }
        var structure = new ImapMultipart(bodies, Upper(multipart.ContentType.MediaSubtype))
        {
            Parameters = Parameters(multipart.ContentType.Parameters),
            Disposition = Disposition(multipart),
            Language = Language(multipart.Headers),
            Location = MessageStructureHeaderText.Raw(multipart.Headers, HeaderId.ContentLocation),
        };
        return (structure, new MessageStructurePart(MessageStructurePartKind.Multipart, at.Begin, at.HeadersEnd, at.End, layouts, null));
    }

    private static ImapBodyPart BasicPart(MimeEntity entity, EntityOffsets at)
    {
        var contentType = entity.ContentType;
        var type = Upper(contentType.MediaType);
        var isText = type == "TEXT";
        var parameters = Parameters(contentType.Parameters);
        if (isText && !parameters.Any(p => p.Key == "CHARSET")) parameters = [.. parameters, new("CHARSET", "US-ASCII")];
        var encoding = MessageStructureHeaderText.Raw(entity.Headers, HeaderId.ContentTransferEncoding);
        return new ImapBodyPart(
            type,
            Upper(contentType.MediaSubtype),
            MessageStructureHeaderText.Raw(entity.Headers, HeaderId.ContentId),
            MessageStructureHeaderText.Raw(entity.Headers, HeaderId.ContentDescription),
            string.IsNullOrEmpty(encoding) ? "7BIT" : Upper(encoding),
            at.End - at.HeadersEnd)
        {
            Parameters = parameters,
            Lines = isText ? at.Lines : null,
            Md5 = MessageStructureHeaderText.Raw(entity.Headers, HeaderId.ContentMd5),
            Disposition = Disposition(entity),
            Language = Language(entity.Headers),
            Location = MessageStructureHeaderText.Raw(entity.Headers, HeaderId.ContentLocation),
        };
    }

    private static bool IsRfc822(ContentType contentType) =>
        contentType.IsMimeType("message", "rfc822");

    private static IReadOnlyList<KeyValuePair<string, string>> Parameters(ParameterList parameters) =>
        [.. parameters.Select(p => new KeyValuePair<string, string>(Upper(p.Name), MessageStructureHeaderText.ToWire(p.Value ?? "", phrase: false)))];

    private static ImapContentDisposition? Disposition(MimeEntity entity)
    {
        if (entity.ContentDisposition is not { } disposition) return null;
        return new ImapContentDisposition(Upper(disposition.Disposition), Parameters(disposition.Parameters));
    }

    private static IReadOnlyList<string> Language(HeaderList headers)
    {
        var raw = MessageStructureHeaderText.Raw(headers, HeaderId.ContentLanguage);
        if (raw is null) return [];
        return raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    // The RFC 3501 examples write types, subtypes, encodings and attribute names in upper case.
    private static string Upper(string value) => value.ToUpperInvariant();
}
