using System.Security.Cryptography;
using ActorMTA.Server.Checks.Signing;
using ActorMTA.Server.Tests.Support;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Signing;

public sealed class DkimTxtRecordTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private DkimKey Generate(DkimKeyAlgorithm algorithm) =>
        DkimKeyStore.InDataDirectory(_data.Path).Generate("example.test", "s1", algorithm);

    [Fact]
    public void Rsa_record_publishes_the_subject_public_key_info_in_strings_of_at_most_255()
    {
        var record = Generate(DkimKeyAlgorithm.Rsa).Record;

        Assert.Equal("s1._domainkey.example.test", record.Name);
        Assert.StartsWith("v=DKIM1; k=rsa; p=", record.Value);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(record.Value["v=DKIM1; k=rsa; p=".Length..]), out _);
        Assert.Equal(2048, rsa.KeySize);

        Assert.True(record.Strings.Count >= 2, "a 2048-bit key does not fit in one string");
        Assert.All(record.Strings, s => Assert.InRange(s.Length, 1, 255));
        Assert.Equal(record.Value, string.Concat(record.Strings));
        Assert.Equal($"s1._domainkey.example.test. IN TXT ( \"{string.Join("\" \"", record.Strings)}\" )", record.ZoneFileLine);
        Assert.Equal(record.Value, new ZoneFileKeyLocator(record.ZoneFileLine).ValueOf(record.Name));
    }

    [Fact]
    public void Ed25519_record_publishes_the_raw_32_byte_key_as_rfc_8463_says()
    {
        var record = Generate(DkimKeyAlgorithm.Ed25519).Record;

        Assert.StartsWith("v=DKIM1; k=ed25519; p=", record.Value);
        Assert.Equal(32, Convert.FromBase64String(record.Value["v=DKIM1; k=ed25519; p=".Length..]).Length);
        Assert.Equal([record.Value], record.Strings);
        Assert.Equal($"s1._domainkey.example.test. IN TXT ( \"{record.Value}\" )", record.ZoneFileLine);
    }
}
