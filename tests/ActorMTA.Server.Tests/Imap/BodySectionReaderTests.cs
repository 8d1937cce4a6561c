using System.Text;
using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using Xunit;

namespace ActorMTA.Server.Tests.Imap;

/// <summary>
/// Body sections cut from the stored bytes, compared with slices found in the raw message by plain text
/// search (see <see cref="RawSlices"/>).
/// </summary>
public sealed class BodySectionReaderTests
{
    private const long Unlimited = long.MaxValue;

    private readonly byte[] _raw = ImapTestMessages.Multipart();
    private readonly RawSlices _slices;
    private readonly MessageStructure _structure;
    private int _opens;

    public BodySectionReaderTests()
    {
        _slices = new RawSlices(_raw);
        _structure = MessageStructure.Compute(new MemoryStream(_raw));
    }

    private Stream Open()
    {
        _opens++;
        return new MemoryStream(_raw, writable: false);
    }

    private byte[]? Read(string spec, FetchPartial? partial = null, long inlineLimit = Unlimited) =>
        BodySectionReader.Read(_structure, Open, Section(spec), partial, inlineLimit) switch
        {
            null => null,
            ImapContent.InMemory memory => memory.Bytes.ToArray(),
            var other => throw new InvalidOperationException($"Expected bytes in memory, got {other}"),
        };

    /// <summary>A section spec through the real command parser, as a client would send it.</summary>
    private static BodySection Section(string spec)
    {
        var reader = new ImapCommandReader(new ImapServerOptions(TlsAvailable: false, AuthRequiresTls: false, MaxLiteralSize: 1000, MaxCommandSize: 1000));
        var complete = Assert.IsType<ImapReadResult.Complete>(reader.OnLine(Encoding.ASCII.GetBytes($"a FETCH 1 (BODY.PEEK[{spec}])")));
        var fetch = Assert.IsType<ImapCommand.Fetch>(complete.Command);
        return Assert.IsType<FetchAttribute.Section>(Assert.Single(fetch.Attributes)).Spec;
    }

    private (int Start, int End) Header => _slices.HeaderAt(0);
    private List<(int Start, int End)> Top => _slices.Parts(Header.End, _raw.Length, "outer");
    private (int Start, int End) Content((int Start, int End) part) => (_slices.HeaderAt(part.Start).End, part.End);
    private (int Start, int End) Mime((int Start, int End) part) => _slices.HeaderAt(part.Start);
    private List<(int Start, int End)> Alternative => _slices.Parts(Content(Top[0]).Start, Top[0].End, "alt");
    private (int Start, int End) Inner => Content(Top[2]);
    private (int Start, int End) InnerHeader => _slices.HeaderAt(Inner.Start);
    private List<(int Start, int End)> InnerParts => _slices.Parts(InnerHeader.End, Inner.End, "inner");

    [Fact]
    public void Whole_message_header_and_text()
    {
        Assert.Equal(_raw, Read(""));
        Assert.Equal(_slices.Bytes(Header), Read("HEADER"));
        Assert.Equal(_slices.Bytes((Header.End, _raw.Length)), Read("TEXT"));
        Assert.EndsWith("\r\n\r\n", Encoding.ASCII.GetString(Read("HEADER")!));
    }

    [Fact]
    public void Header_fields_and_header_fields_not()
    {
        Assert.Equal(_slices.HeaderFields(Header, exclude: false, "Subject", "From"), Read("HEADER.FIELDS (SUBJECT from)"));
        Assert.Equal(_slices.HeaderFields(Header, exclude: true, "Subject", "Content-Type"), Read("HEADER.FIELDS.NOT (Subject Content-Type)"));
        Assert.Equal("\r\n"u8.ToArray(), Read("HEADER.FIELDS (X-Absent)"));
        // The long subject is folded: the continuation lines come along.
        Assert.Contains("\r\n ", Encoding.ASCII.GetString(Read("HEADER.FIELDS (SUBJECT)")!));
    }

    [Fact]
    public void Numbered_parts_and_their_mime_headers()
    {
        Assert.Equal(_slices.Bytes(Content(Top[0])), Read("1"));
        Assert.Equal(_slices.Bytes(Mime(Top[0])), Read("1.MIME"));
        Assert.Equal(_slices.Bytes(Content(Alternative[0])), Read("1.1"));
        Assert.Equal(_slices.Bytes(Mime(Alternative[1])), Read("1.2.MIME"));
        Assert.Equal(_slices.Bytes(Content(Alternative[1])), Read("1.2"));
        Assert.Equal(_slices.Bytes(Content(Top[1])), Read("2"));
        Assert.Equal(ImapTestMessages.AttachmentBytes, Convert.FromBase64String(Encoding.ASCII.GetString(Read("2")!)));
        Assert.Equal(_slices.Bytes(Mime(Top[1])), Read("2.MIME"));
    }

    [Fact]
    public void Message_rfc822_part_header_text_and_subparts()
    {
        Assert.Equal(_slices.Bytes(Inner), Read("3"));
        Assert.Equal(_slices.Bytes(Mime(Top[2])), Read("3.MIME"));
        Assert.Equal(_slices.Bytes(InnerHeader), Read("3.HEADER"));
        Assert.Equal(_slices.Bytes((InnerHeader.End, Inner.End)), Read("3.TEXT"));
        Assert.Equal(_slices.HeaderFields(InnerHeader, exclude: false, "Subject"), Read("3.HEADER.FIELDS (Subject)"));
        Assert.Equal(_slices.Bytes(Content(InnerParts[0])), Read("3.1"));
        Assert.Equal(_slices.Bytes(Mime(InnerParts[1])), Read("3.2.MIME"));
        Assert.Equal(_slices.Bytes(Content(InnerParts[1])), Read("3.2"));
        Assert.Equal("Forwarded", Encoding.ASCII.GetString(Read("3.HEADER.FIELDS (SUBJECT)")!).Split(": ")[1].TrimEnd());
    }

    [Fact]
    public void Single_part_message_has_part_one_as_its_body()
    {
        var single = ImapTestMessages.Crlf("Subject: s", "Content-Type: text/plain", "", "hello", "world", "");
        var singleStructure = MessageStructure.Compute(new MemoryStream(single));
        byte[]? ReadSingle(string spec) =>
            (BodySectionReader.Read(singleStructure, () => new MemoryStream(single), Section(spec), null, Unlimited) as ImapContent.InMemory)?.Bytes.ToArray();

        Assert.Equal("hello\r\nworld\r\n"u8.ToArray(), ReadSingle("1"));
        Assert.Equal(ReadSingle("TEXT"), ReadSingle("1"));
        Assert.Equal(ReadSingle("HEADER"), ReadSingle("1.MIME"));
        Assert.Null(ReadSingle("2"));
        Assert.Null(ReadSingle("1.1"));
        Assert.Null(ReadSingle("1.HEADER"));
    }

    [Fact]
    public void Parts_that_do_not_exist_are_nil()
    {
        Assert.Null(Read("4"));
        Assert.Null(Read("4.MIME"));
        Assert.Null(Read("1.3"));
        Assert.Null(Read("2.1"));
        Assert.Null(Read("3.3"));
        Assert.Null(Read("1.1.1"));
        Assert.Null(Read("2.HEADER"));
        Assert.Null(Read("1.TEXT"));
        // The command parser refuses part 0; a section built some other way still finds nothing.
        Assert.Null(BodySectionReader.Read(_structure, Open, new BodySection([0], BodySectionText.Whole, []), null, Unlimited));
    }

    [Fact]
    public void Partial_fetches_slice_the_section()
    {
        Assert.Equal(_raw[..10], Read("", new FetchPartial(0, 10)));
        Assert.Equal(_raw[100..], Read("", new FetchPartial(100, _raw.Length)));
        Assert.Empty(Read("", new FetchPartial(_raw.Length + 5, 10))!);
        var attachment = _slices.Bytes(Content(Top[1]));
        Assert.Equal(attachment[7..27], Read("2", new FetchPartial(7, 20)));
        var fields = _slices.HeaderFields(Header, exclude: false, "Subject");
        Assert.Equal(fields[2..7], Read("HEADER.FIELDS (Subject)", new FetchPartial(2, 5)));
        Assert.Equal(_slices.Bytes(Mime(InnerParts[1]))[3..], Read("3.2.MIME", new FetchPartial(3, 100000)));
    }

    [Fact]
    public async Task Long_sections_are_streamed_as_a_slice_of_the_file()
    {
        var attachment = _slices.Bytes(Content(Top[1]));
        _opens = 0;
        var content = await BodySectionReader.ReadAsync(_structure, Open, Section("2"), new FetchPartial(10, 1000), inlineLimit: 100);

        var streamed = Assert.IsType<ImapContent.Streamed>(content);
        Assert.Equal(1000, streamed.Length);
        Assert.Equal(0, _opens); // nothing read yet: the caller copies when it writes the response
        var slice = Assert.IsType<BodySectionReader.RawSlice>(streamed.Source);
        var copied = new MemoryStream();
        await BodySectionReader.CopyAsync(Open, slice, copied);
        Assert.Equal(attachment[10..1010], copied.ToArray());

        var small = await BodySectionReader.ReadAsync(_structure, Open, Section("1.2.MIME"), null, inlineLimit: 100);
        Assert.Equal(_slices.Bytes(Mime(Alternative[1])), Assert.IsType<ImapContent.InMemory>(small).Bytes.ToArray());
    }

    [Fact]
    public async Task Copy_works_on_streams_that_cannot_seek()
    {
        var content = BodySectionReader.Read(_structure, Open, Section("3.TEXT"), null, inlineLimit: 0);
        var slice = (BodySectionReader.RawSlice)((ImapContent.Streamed)content!).Source!;
        var copied = new MemoryStream();
        await BodySectionReader.CopyAsync(() => new ForwardOnlyStream(_raw), slice, copied);
        Assert.Equal(_slices.Bytes((InnerHeader.End, Inner.End)), copied.ToArray());
    }

    [Fact]
    public void Fetch_response_carries_the_section_as_a_literal()
    {
        var request = new FetchAttribute.Section(Section("1.2.MIME"), Peek: true, Partial: null);
        var content = BodySectionReader.Read(_structure, Open, request.Spec, request.Partial, Unlimited);
        var response = ImapResponseFormatter.Format(new ImapResponse.Fetch(7, [ImapFetchItem.Content.ForSection(request, content)]));
        var mime = _slices.Bytes(Mime(Alternative[1]));
        Assert.Equal([.. Encoding.ASCII.GetBytes($"* 7 FETCH (BODY[1.2.MIME] {{{mime.Length}}}\r\n"), .. mime, .. ")\r\n"u8.ToArray()], response);
    }
}
