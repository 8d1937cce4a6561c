using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.Server.Checks.Signing;
using ActorMTA.Server.Tests.Support;
using MimeKit;
using MimeKit.Cryptography;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Signing;

public sealed class OutboundDkimSignerTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    /// <summary>A store with one key for <see cref="SampleMessages.Domain"/>, and the locator built from its printed record.</summary>
    private (OutboundDkimSigner Signer, ZoneFileKeyLocator Dns) SignerWith(DkimKeyAlgorithm algorithm)
    {
        var store = DkimKeyStore.InDataDirectory(_data.Path);
        var key = store.Generate(SampleMessages.Domain, "s1", algorithm);
        return (new OutboundDkimSigner(store), new ZoneFileKeyLocator(key.Record.ZoneFileLine));
    }

    private static async Task<string?> SignAsync(OutboundDkimSigner signer, byte[] message)
    {
        using var stream = new MemoryStream(message);
        return await signer.SignatureFieldAsync(stream, CancellationToken.None);
    }

    private static async Task<bool> VerifiesAsync(byte[] signedMessage, IDkimPublicKeyLocator dns)
    {
        var message = await MimeMessage.LoadAsync(new MemoryStream(signedMessage));
        var signature = Assert.Single(message.Headers, h => h.Id == HeaderId.DkimSignature);
        return await new DkimVerifier(dns).VerifyAsync(message, signature);
    }

    private static string Tag(string field, string name) =>
        Regex.Match(Regex.Replace(field, @"\s+", ""), $@"(?:^DKIM-Signature:|;){name}=([^;]*)").Groups[1].Value;

    [Theory]
    [InlineData(DkimKeyAlgorithm.Rsa, "rsa-sha256")]
    [InlineData(DkimKeyAlgorithm.Ed25519, "ed25519-sha256")]
    public async Task Signature_put_in_front_of_the_stored_message_verifies_with_the_printed_record(DkimKeyAlgorithm algorithm, string a)
    {
        var (signer, dns) = SignerWith(algorithm);
        var message = SampleMessages.Multipart();

        var field = await SignAsync(signer, message);

        Assert.NotNull(field);
        Assert.Equal((a, "example.test", "s1", "relaxed/relaxed"), (Tag(field, "a"), Tag(field, "d"), Tag(field, "s"), Tag(field, "c")));
        Assert.True(await VerifiesAsync(SampleMessages.Prepend(field, message), dns));
    }

    [Theory]
    [InlineData(DkimKeyAlgorithm.Rsa)]
    [InlineData(DkimKeyAlgorithm.Ed25519)]
    public async Task Signature_put_after_the_return_path_verifies_too(DkimKeyAlgorithm algorithm)
    {
        var (signer, dns) = SignerWith(algorithm);
        var message = SampleMessages.Multipart();

        var field = await SignAsync(signer, message);

        Assert.True(await VerifiesAsync(SampleMessages.AfterReturnPath(field!, message), dns));
    }

    /// <summary>bh= must be the hash of the stored body bytes, canonicalized here without MimeKit (RFC 6376
    /// section 3.4.4): a MimeKit verifier parses the message the way the signer would and cannot see the difference.</summary>
    [Theory]
    [InlineData(nameof(SampleMessages.Multipart))]
    [InlineData(nameof(SampleMessages.PartWithoutEmptyLine))]
    [InlineData(nameof(SampleMessages.Plain))]
    public async Task Body_hash_is_of_the_stored_bytes(string sample)
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Ed25519);
        var message = SampleMessages.ByName(sample);

        var field = await SignAsync(signer, message);

        var text = Encoding.UTF8.GetString(message);
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(RelaxedBody(body)))), Tag(field!, "bh"));
    }

    private static string RelaxedBody(string body)
    {
        var lines = body.Split("\r\n").Select(line => Regex.Replace(line, "[ \t]+", " ").TrimEnd(' ')).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines.Count == 0 ? "" : string.Join("\r\n", lines) + "\r\n";
    }

    [Fact]
    public async Task A_message_without_content_fields_verifies()
    {
        var (signer, dns) = SignerWith(DkimKeyAlgorithm.Rsa);
        var message = SampleMessages.Plain();

        var field = await SignAsync(signer, message);

        Assert.DoesNotContain("content-type", Tag(field!, "h"));
        Assert.True(await VerifiesAsync(SampleMessages.Prepend(field!, message), dns));
    }

    [Theory]
    [InlineData(DkimKeyAlgorithm.Rsa)]
    [InlineData(DkimKeyAlgorithm.Ed25519)]
    public async Task A_changed_body_or_signed_field_fails_verification(DkimKeyAlgorithm algorithm)
    {
        var (signer, dns) = SignerWith(algorithm);
        var message = SampleMessages.Multipart();
        var signed = SampleMessages.Prepend((await SignAsync(signer, message))!, message);
        Assert.True(await VerifiesAsync(signed, dns));

        Assert.False(await VerifiesAsync(SampleMessages.Replace(signed, "<p>Hello</p>", "<p>Hellp</p>"), dns));
        Assert.False(await VerifiesAsync(SampleMessages.Replace(signed, "Quarterly", "Quarterlz"), dns));
        Assert.False(await VerifiesAsync(SampleMessages.Replace(signed, "To: Bob", "To: Eve"), dns));
    }

    [Fact]
    public async Task A_second_from_added_later_fails_verification()
    {
        var (signer, dns) = SignerWith(DkimKeyAlgorithm.Rsa);
        var message = SampleMessages.Plain();
        var signed = SampleMessages.Prepend((await SignAsync(signer, message))!, message);

        var withSecondFrom = SampleMessages.Replace(signed, "Subject: hello", "From: mallory@example.test\r\nSubject: hello");

        Assert.False(await VerifiesAsync(withSecondFrom, dns));
    }

    [Fact]
    public async Task Fields_added_by_hops_are_not_signed_and_from_is_oversigned()
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Rsa);

        var field = (await SignAsync(signer, SampleMessages.Multipart()))!;

        var signedFields = Tag(field, "h").Split(':');
        Assert.DoesNotContain("return-path", signedFields);
        Assert.DoesNotContain("received", signedFields);
        Assert.DoesNotContain("x-mailer", signedFields);
        Assert.Equal(2, signedFields.Count(f => f == "from"));
        foreach (var name in new[] { "to", "subject", "date", "message-id", "mime-version", "content-type" })
            Assert.Contains(name, signedFields);
    }

    [Fact]
    public async Task Field_is_folded_ascii_ending_in_crlf()
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Rsa);

        var field = (await SignAsync(signer, SampleMessages.Multipart()))!;

        Assert.StartsWith("DKIM-Signature: v=1;", field);
        Assert.EndsWith("\r\n", field);
        Assert.DoesNotContain("\r\n\r\n", field);
        Assert.All(field, c => Assert.True(c < 128, "field is not ASCII"));
        var lines = field[..^2].Split("\r\n");
        Assert.True(lines.Length > 1, "a signature this long must be folded");
        Assert.All(lines, l => Assert.InRange(l.Length, 1, 998));
        Assert.All(lines.Skip(1), l => Assert.True(l[0] is ' ' or '\t', $"continuation line without leading space: {l}"));
        Assert.DoesNotContain('\n', field.Replace("\r\n", ""));
    }

    [Theory]
    [InlineData("alice@other.test")]
    [InlineData("alice@mail.example.test")]
    [InlineData("alice@example.test, bob@example.test")]
    [InlineData("friends: alice@example.test;")]
    [InlineData("not an address")]
    public async Task No_signature_without_a_single_from_address_of_a_domain_with_a_key(string from)
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Rsa);

        Assert.Null(await SignAsync(signer, SampleMessages.Plain(from)));
    }

    [Fact]
    public async Task No_signature_for_two_from_fields_or_none()
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Rsa);

        Assert.Null(await SignAsync(signer, SampleMessages.Plain(extraHeaders: "From: alice@example.test\r\n")));
        Assert.Null(await SignAsync(signer, SampleMessages.Crlf("To: bob@example.org\nSubject: x\n\nbody\n")));
        Assert.Null(await SignAsync(signer, []));
    }

    [Fact]
    public async Task From_domain_matches_the_key_whatever_its_case()
    {
        var (signer, dns) = SignerWith(DkimKeyAlgorithm.Ed25519);
        var message = SampleMessages.Plain("Alice <alice@EXAMPLE.Test>");

        var field = await SignAsync(signer, message);

        Assert.NotNull(field);
        Assert.Equal("example.test", Tag(field, "d"));
        Assert.True(await VerifiesAsync(SampleMessages.Prepend(field, message), dns));
    }

    [Fact]
    public async Task Only_the_header_block_is_read_when_there_is_nothing_to_sign()
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Rsa);
        var message = SampleMessages.Plain("alice@other.test").Concat(new byte[4 * 1024 * 1024]).ToArray();
        await using var stream = new CountingStream(message);

        Assert.Null(await signer.SignatureFieldAsync(stream, CancellationToken.None));

        Assert.InRange(stream.BytesRead, 1, 64 * 1024);
    }

    [Fact]
    public async Task A_large_message_read_in_small_pieces_verifies()
    {
        var (signer, dns) = SignerWith(DkimKeyAlgorithm.Rsa);
        var body = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"line {i} of a long body   \r\n"));
        var message = SampleMessages.Replace(SampleMessages.Plain(), "Hello Bob.", body);
        await using var stream = new CountingStream(message, maxRead: 7);

        var field = await signer.SignatureFieldAsync(stream, CancellationToken.None);

        Assert.Equal(message.Length, stream.BytesRead);
        Assert.True(await VerifiesAsync(SampleMessages.Prepend(field!, message), dns));
    }

    [Fact]
    public void Has_key_for_answers_from_the_store()
    {
        var (signer, _) = SignerWith(DkimKeyAlgorithm.Rsa);

        Assert.True(signer.HasKeyFor("example.test"));
        Assert.False(signer.HasKeyFor("other.test"));
    }

    /// <summary>A read-only, non-seekable stream that counts what was read and hands out at most <c>maxRead</c> bytes a call.</summary>
    private sealed class CountingStream(byte[] data, int maxRead = int.MaxValue) : Stream
    {
        private int _position;

        public int BytesRead => _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
