using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using Xunit;

namespace ActorMTA.Server.Tests.Imap;

public sealed class MessageStructureSerializationTests
{
    [Fact]
    public void Round_trip_keeps_envelope_body_structure_layout_and_size()
    {
        var original = MessageStructure.Compute(new MemoryStream(ImapTestMessages.Multipart()));

        var data = original.Serialize();
        var copy = MessageStructure.Deserialize(data);

        Assert.Equal(original.Size, copy.Size);
        Assert.Equal(original.Layout, copy.Layout);
        Assert.Equal(ImapResponseFormatter.FormatEnvelope(original.Envelope), ImapResponseFormatter.FormatEnvelope(copy.Envelope));
        Assert.Equal(ImapResponseFormatter.FormatBodyStructure(original.Body, true), ImapResponseFormatter.FormatBodyStructure(copy.Body, true));
        Assert.Equal(ImapResponseFormatter.FormatBodyStructure(original.Body, false), ImapResponseFormatter.FormatBodyStructure(copy.Body, false));
        Assert.Equal(data, copy.Serialize());
    }

    [Fact]
    public void Round_trip_keeps_nils_groups_and_distinct_sender()
    {
        var raw = ImapTestMessages.Crlf(
            "From: A <a@x.example>", "Sender: s@x.example", "To: group:;", "Subject: ", "", "text");
        var original = MessageStructure.Compute(new MemoryStream(raw));
        var copy = MessageStructure.Deserialize(original.Serialize());
        Assert.Equal(ImapResponseFormatter.FormatEnvelope(original.Envelope), ImapResponseFormatter.FormatEnvelope(copy.Envelope));
        Assert.Equal("s", copy.Envelope.Sender!.Single().Mailbox);
        Assert.Equal(original.Envelope.From, copy.Envelope.ReplyTo);
        Assert.Equal("", copy.Envelope.Subject);
        Assert.Null(copy.Envelope.Date);
    }

    [Fact]
    public void Is_compact()
    {
        var raw = ImapTestMessages.Multipart();
        var data = MessageStructure.Compute(new MemoryStream(raw)).Serialize();
        // Everything in it is formatted for FETCH BODYSTRUCTURE ENVELOPE anyway; the binary form is smaller.
        var structure = MessageStructure.Deserialize(data);
        var formatted = ImapResponseFormatter.FormatBodyStructure(structure.Body, true).Length + ImapResponseFormatter.FormatEnvelope(structure.Envelope).Length;
        Assert.True(data.Length < formatted, $"{data.Length} bytes serialized vs {formatted} formatted");
    }

    [Fact]
    public void Unknown_version_and_damaged_data_are_refused()
    {
        var data = MessageStructure.Compute(new MemoryStream(ImapTestMessages.Multipart())).Serialize();
        Assert.Equal(1, data[0]);

        var otherVersion = data.ToArray();
        otherVersion[0] = 99;
        Assert.Throws<FormatException>(() => MessageStructure.Deserialize(otherVersion));
        Assert.Throws<FormatException>(() => MessageStructure.Deserialize(data.AsSpan(0, data.Length / 2)));
        Assert.Throws<FormatException>(() => MessageStructure.Deserialize([.. data, 0]));
        Assert.Throws<FormatException>(() => MessageStructure.Deserialize([]));
    }
}
