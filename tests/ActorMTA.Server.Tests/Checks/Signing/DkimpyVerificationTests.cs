using ActorMTA.Server.Checks.Signing;
using ActorMTA.Server.Tests.Support;
using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Signing;

/// <summary>
/// Our signatures checked by an implementation that shares no code with MimeKit: Debian's dkimpy (python3-dkim),
/// fed the bytes exactly as the spool stores them with the field in front, and the TXT value the store prints.
/// </summary>
public sealed class DkimpyVerificationTests : IDisposable
{
    // dnsfunc answers only the name the signature must ask for, so a wrong d= or s= fails too.
    private const string Verify = """
        import sys, logging, dkim
        name, txt = sys.argv[1], sys.argv[2]
        asked = []
        def dnsfunc(qname, timeout=5):
            q = qname.decode() if isinstance(qname, bytes) else qname
            asked.append(q)
            return txt.encode() if q.rstrip('.') == name else None
        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
        ok = dkim.verify(sys.stdin.buffer.read(), logger=logging.getLogger('dkim'), dnsfunc=dnsfunc)
        print(('PASS' if ok else 'FAIL') + ' asked=' + ','.join(asked) + ' dkimpy=' + getattr(dkim, '__version__', '?'))
        sys.exit(0 if ok else 1)
        """;

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static async Task<(int ExitCode, string Output)> DkimpyAsync(byte[] message, DkimTxtRecord record)
    {
        await Python3.EnsureModuleAsync("dkim", "python3-dkim");
        var (exitCode, stdout, stderr) = await Python3.RunAsync(Verify, message, record.Name, record.Value);
        return (exitCode, stdout + stderr);
    }

    [Theory]
    [InlineData(DkimKeyAlgorithm.Rsa, nameof(SampleMessages.Multipart))]
    [InlineData(DkimKeyAlgorithm.Ed25519, nameof(SampleMessages.Multipart))]
    [InlineData(DkimKeyAlgorithm.Rsa, nameof(SampleMessages.PartWithoutEmptyLine))]
    [InlineData(DkimKeyAlgorithm.Ed25519, nameof(SampleMessages.Plain))]
    public async Task Dkimpy_verifies_the_stored_bytes_with_the_field_in_front(DkimKeyAlgorithm algorithm, string sample)
    {
        var store = DkimKeyStore.InDataDirectory(_data.Path);
        var key = store.Generate(SampleMessages.Domain, "s1", algorithm);
        var message = SampleMessages.ByName(sample);
        using var content = new MemoryStream(message);
        var field = await new OutboundDkimSigner(store).SignatureFieldAsync(content, CancellationToken.None);
        Assert.NotNull(field);

        var signed = SampleMessages.Prepend(field, message);
        var (exitCode, output) = await DkimpyAsync(signed, key.Record);
        Assert.True(exitCode == 0, output);
        Assert.Contains("asked=s1._domainkey.example.test", output);

        // The same harness must be able to say no, or a pass above would mean nothing.
        var tampered = SampleMessages.Replace(signed, "\r\n\r\n", "\r\n\r\nX");
        var (tamperedExit, tamperedOutput) = await DkimpyAsync(tampered, key.Record);
        Assert.True(tamperedExit == 1, tamperedOutput);
    }

    [Fact]
    public async Task Dkimpy_verifies_with_the_field_after_the_return_path()
    {
        var store = DkimKeyStore.InDataDirectory(_data.Path);
        var key = store.Generate(SampleMessages.Domain, "s1", DkimKeyAlgorithm.Rsa);
        var message = SampleMessages.Plain();
        using var content = new MemoryStream(message);
        var field = await new OutboundDkimSigner(store).SignatureFieldAsync(content, CancellationToken.None);

        var (exitCode, output) = await DkimpyAsync(SampleMessages.AfterReturnPath(field!, message), key.Record);

        Assert.True(exitCode == 0, output);
    }
}
