using System.Text;
using ActorMTA.Protocol.Imap;

namespace ActorMTA.Server.Imap;

/// <summary>
/// Binary form of a <see cref="MessageStructure"/>: a version byte, then variable-length integers and
/// length-prefixed UTF-8 strings, walking envelope, body structure and layout depth first. Offsets are
/// stored as differences so most fit in one or two bytes.
/// </summary>
internal static class MessageStructureSerializer
{
    private const byte Version = 1;
    private const byte BasicTag = 0;
    private const byte MultipartTag = 1;

    // Address list markers; a count n is stored as n + FirstCount.
    private const int NilList = 0;
    private const int SameAsFrom = 1;
    private const int FirstCount = 2;

    public static byte[] Serialize(MessageStructure structure)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write7BitEncodedInt64(structure.Size);
            WriteEnvelope(writer, structure.Envelope);
            WriteBody(writer, structure.Body);
            WriteLayout(writer, structure.Layout);
        }
        return buffer.ToArray();
    }

    public static MessageStructure Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) throw new FormatException("Empty message structure.");
        if (data[0] != Version) throw new FormatException($"Unknown message structure version {data[0]}.");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(data[1..].ToArray()), Encoding.UTF8);
            var size = reader.Read7BitEncodedInt64();
            var envelope = ReadEnvelope(reader);
            var body = ReadBody(reader);
            var layout = ReadLayout(reader);
            if (reader.BaseStream.Position != reader.BaseStream.Length) throw new FormatException("Trailing bytes after the message structure.");
            return new MessageStructure(size, envelope, body, layout);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or OverflowException)
        {
            throw new FormatException("Damaged message structure.", e);
        }
    }

    /// <summary>An element count, refused when the remaining bytes could not hold that many elements
    /// (damaged data must not turn into a huge allocation).</summary>
    private static int ReadCount(BinaryReader reader)
    {
        var count = reader.Read7BitEncodedInt();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new FormatException("Damaged message structure.");
        return count;
    }

    private static void WriteEnvelope(BinaryWriter writer, ImapEnvelope envelope)
    {
        WriteString(writer, envelope.Date);
        WriteString(writer, envelope.Subject);
        WriteAddresses(writer, envelope.From, null);
        WriteAddresses(writer, envelope.Sender, envelope.From);
        WriteAddresses(writer, envelope.ReplyTo, envelope.From);
        WriteAddresses(writer, envelope.To, null);
        WriteAddresses(writer, envelope.Cc, null);
        WriteAddresses(writer, envelope.Bcc, null);
        WriteString(writer, envelope.InReplyTo);
        WriteString(writer, envelope.MessageId);
    }

    private static ImapEnvelope ReadEnvelope(BinaryReader reader)
    {
        var date = ReadString(reader);
        var subject = ReadString(reader);
        var from = ReadAddresses(reader, null);
        var sender = ReadAddresses(reader, from);
        var replyTo = ReadAddresses(reader, from);
        var to = ReadAddresses(reader, null);
        var cc = ReadAddresses(reader, null);
        var bcc = ReadAddresses(reader, null);
        return new ImapEnvelope(date, subject, from, sender, replyTo, to, cc, bcc, ReadString(reader), ReadString(reader));
    }

    private static void WriteAddresses(BinaryWriter writer, IReadOnlyList<ImapAddress>? addresses, IReadOnlyList<ImapAddress>? from)
    {
        if (addresses is null)
        {
            writer.Write7BitEncodedInt(NilList);
            return;
        }
        // Sender and Reply-To are usually filled in from From: store that as a marker, not a copy.
        if (from is not null && (ReferenceEquals(addresses, from) || addresses.SequenceEqual(from)))
        {
            writer.Write7BitEncodedInt(SameAsFrom);
            return;
        }
        writer.Write7BitEncodedInt(addresses.Count + FirstCount);
        foreach (var address in addresses)
        {
            WriteString(writer, address.Name);
            WriteString(writer, address.Adl);
            WriteString(writer, address.Mailbox);
            WriteString(writer, address.Host);
        }
    }

    private static IReadOnlyList<ImapAddress>? ReadAddresses(BinaryReader reader, IReadOnlyList<ImapAddress>? from)
    {
        var marker = reader.Read7BitEncodedInt();
        switch (marker)
        {
            case NilList:
                return null;
            case SameAsFrom:
                return from ?? throw new FormatException("Address list refers to a missing From.");
        }
        var count = marker - FirstCount;
        if (count > reader.BaseStream.Length - reader.BaseStream.Position) throw new FormatException("Damaged message structure.");
        var addresses = new ImapAddress[count];
        for (var i = 0; i < addresses.Length; i++)
            addresses[i] = new ImapAddress(ReadString(reader), ReadString(reader), ReadString(reader), ReadString(reader));
        return addresses;
    }

    private static void WriteBody(BinaryWriter writer, ImapBodyStructure body)
    {
        switch (body)
        {
            case ImapMultipart multipart:
                writer.Write(MultipartTag);
                writer.Write7BitEncodedInt(multipart.Parts.Count);
                foreach (var part in multipart.Parts) WriteBody(writer, part);
                writer.Write(multipart.Subtype);
                break;
            case ImapBodyPart part:
                writer.Write(BasicTag);
                writer.Write(part.Type);
                writer.Write(part.Subtype);
                WriteString(writer, part.Id);
                WriteString(writer, part.Description);
                writer.Write(part.Encoding);
                writer.Write7BitEncodedInt64(part.Size);
                writer.Write7BitEncodedInt64(part.Lines is { } lines ? lines + 1 : 0);
                WriteString(writer, part.Md5);
                writer.Write(part.Message is not null && part.MessageBody is not null);
                if (part.Message is not null && part.MessageBody is not null)
                {
                    WriteEnvelope(writer, part.Message);
                    WriteBody(writer, part.MessageBody);
                }
                break;
            default:
                throw new ArgumentException($"Unknown body {body.GetType().Name}", nameof(body));
        }
        WritePairs(writer, body.Parameters);
        writer.Write(body.Disposition is not null);
        if (body.Disposition is not null)
        {
            writer.Write(body.Disposition.Type);
            WritePairs(writer, body.Disposition.Parameters);
        }
        writer.Write7BitEncodedInt(body.Language.Count);
        foreach (var language in body.Language) writer.Write(language);
        WriteString(writer, body.Location);
    }

    private static ImapBodyStructure ReadBody(BinaryReader reader)
    {
        ImapBodyStructure body;
        switch (reader.ReadByte())
        {
            case MultipartTag:
            {
                var parts = new ImapBodyStructure[ReadCount(reader)];
                for (var i = 0; i < parts.Length; i++) parts[i] = ReadBody(reader);
                body = new ImapMultipart(parts, reader.ReadString());
                break;
            }
            case BasicTag:
            {
                var part = new ImapBodyPart(reader.ReadString(), reader.ReadString(), ReadString(reader), ReadString(reader),
                    reader.ReadString(), reader.Read7BitEncodedInt64());
                var lines = reader.Read7BitEncodedInt64();
                part = part with { Lines = lines == 0 ? null : lines - 1, Md5 = ReadString(reader) };
                if (reader.ReadBoolean()) part = part with { Message = ReadEnvelope(reader), MessageBody = ReadBody(reader) };
                body = part;
                break;
            }
            default:
                throw new FormatException("Unknown body structure tag.");
        }
        var parameters = ReadPairs(reader);
        ImapContentDisposition? disposition = reader.ReadBoolean() ? new ImapContentDisposition(reader.ReadString(), ReadPairs(reader)) : null;
        var language = new string[ReadCount(reader)];
        for (var i = 0; i < language.Length; i++) language[i] = reader.ReadString();
        var location = ReadString(reader);
        return body with { Parameters = parameters, Disposition = disposition, Language = language, Location = location };
    }

    private static void WriteLayout(BinaryWriter writer, MessageStructurePart part)
    {
        writer.Write((byte)part.Kind);
        writer.Write7BitEncodedInt64(part.HeaderOffset);
        writer.Write7BitEncodedInt64(part.ContentOffset - part.HeaderOffset);
        writer.Write7BitEncodedInt64(part.EndOffset - part.ContentOffset);
        writer.Write7BitEncodedInt(part.Parts.Count);
        foreach (var child in part.Parts) WriteLayout(writer, child);
        writer.Write(part.Encapsulated is not null);
        if (part.Encapsulated is not null) WriteLayout(writer, part.Encapsulated);
    }

    private static MessageStructurePart ReadLayout(BinaryReader reader)
    {
        var kind = (MessageStructurePartKind)reader.ReadByte();
        if (!Enum.IsDefined(kind)) throw new FormatException("Unknown part kind.");
        var header = reader.Read7BitEncodedInt64();
        var content = header + reader.Read7BitEncodedInt64();
        var end = content + reader.Read7BitEncodedInt64();
        var parts = new MessageStructurePart[ReadCount(reader)];
        for (var i = 0; i < parts.Length; i++) parts[i] = ReadLayout(reader);
        var encapsulated = reader.ReadBoolean() ? ReadLayout(reader) : null;
        return new MessageStructurePart(kind, header, content, end, parts, encapsulated);
    }

    private static void WritePairs(BinaryWriter writer, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        writer.Write7BitEncodedInt(pairs.Count);
        foreach (var (key, value) in pairs)
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    private static KeyValuePair<string, string>[] ReadPairs(BinaryReader reader)
    {
        var pairs = new KeyValuePair<string, string>[ReadCount(reader)];
        for (var i = 0; i < pairs.Length; i++) pairs[i] = new(reader.ReadString(), reader.ReadString());
        return pairs;
    }

    // BinaryWriter strings cannot be null: a presence flag goes first.
    private static void WriteString(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null) writer.Write(value);
    }

    private static string? ReadString(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
