using System.Globalization;
using System.Text;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// The messages of a run. Each has a small unique header section (From, To, Subject, Date,
/// Message-ID, `X-Load-Id: &lt;run-id&gt;-&lt;n&gt;`) followed by a body shared by every message of
/// the same size: printable ASCII lines of at most 76 characters (never starting with '.'), already
/// ending in the CRLF.CRLF that closes DATA. Sharing the bodies keeps memory flat with 10,000 sessions
/// and 1 MiB messages; the total is within a few bytes of the requested size.
/// </summary>
internal sealed class MessageFactory
{
    private const int LineLength = 76;
    private readonly string _from;
    private readonly string _idDomain;
    private readonly byte[][] _bodies;
    // Per size: a DKIM-Signature field that is valid for every message of that size (it signs only From and the shared body).
    private readonly byte[][] _signatures;

    public MessageFactory(string runId, string from, SizeMix sizes, string sampleRecipient, MessageSignature? signature = null)
    {
        RunId = runId;
        _from = from;
        _idDomain = from[(from.LastIndexOf('@') + 1)..];
        Sizes = sizes;
        var headerLength = Header(1_000_000, sampleRecipient).Length;
        _bodies = sizes.Sizes.Select(size => Body(Math.Max(LineLength + 2, size - headerLength), size)).ToArray();
        _signatures = _bodies.Select(body => signature is null ? [] : signature.FieldFor(FromField, body.AsSpan(0, body.Length - 3))).ToArray();
    }

    private string FromField => "From: <" + _from + ">\r\n";

    /// <summary>The DKIM-Signature field for size index <paramref name="sizeIndex"/> (empty without --dkim-key), sent before the header.</summary>
    public byte[] Signature(int sizeIndex) => _signatures[sizeIndex];

    public string RunId { get; }
    public SizeMix Sizes { get; }

    /// <summary>The X-Load-Id of message <paramref name="sequence"/>.</summary>
    public string LoadId(long sequence) => $"{RunId}-{sequence.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The header section including the empty line that ends it.</summary>
    public byte[] Header(long sequence, string firstRecipient)
    {
        var seq = sequence.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder(320)
            .Append(FromField)
            .Append("To: <").Append(firstRecipient).Append(">\r\n")
            .Append("Subject: load ").Append(RunId).Append(' ').Append(seq).Append("\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Message-ID: <").Append(RunId).Append('.').Append(seq).Append('@').Append(_idDomain).Append(">\r\n")
            .Append("X-Load-Id: ").Append(RunId).Append('-').Append(seq).Append("\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n")
            .Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>The shared body for size index <paramref name="sizeIndex"/>, ending with CRLF "." CRLF.</summary>
    public ReadOnlyMemory<byte> Body(int sizeIndex) => _bodies[sizeIndex];

    /// <summary>About <paramref name="length"/> bytes of text lines (within 2 bytes, final CRLF included), then ".\r\n".</summary>
    private static byte[] Body(int length, int seed)
    {
        var random = new Random(seed);
        var body = new byte[length + 3];
        var i = 0;
        while (length - i >= 3)
        {
            // A line: up to 76 characters and CRLF; the last one is shortened to land on the length.
            var lineLength = Math.Min(LineLength, length - i - 2);
            var wordLeft = random.Next(2, 10);
            for (var k = 0; k < lineLength; k++)
            {
                if (wordLeft-- == 0 && k > 0 && k < lineLength - 1)
                {
                    body[i++] = (byte)' ';
                    wordLeft = random.Next(2, 10);
                }
                else body[i++] = (byte)('a' + random.Next(26));
            }
            body[i++] = (byte)'\r';
            body[i++] = (byte)'\n';
        }
        body[i++] = (byte)'.';
        body[i++] = (byte)'\r';
        body[i++] = (byte)'\n';
        return i == body.Length ? body : body[..i];
    }
}
