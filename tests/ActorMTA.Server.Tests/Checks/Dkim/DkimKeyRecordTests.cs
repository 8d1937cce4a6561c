using ActorMTA.Server.Checks.Dkim;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dkim;

public sealed class DkimKeyRecordTests
{
    [Fact]
    public void Rsa_and_ed25519_records_parse()
    {
        var rsa = DkimKeyRecord.Parse(DkimTestKeys.Record(DkimTestKeys.Rsa2048), out _);
        var ed = DkimKeyRecord.Parse(DkimTestKeys.Ed25519Rfc8463Record, out _);

        Assert.Equal(("rsa", 2048, true), (rsa!.KeyType, rsa.RsaBits, rsa.AllowsEmail));
        Assert.Equal("ed25519", ed!.KeyType);
        Assert.False(ed.Revoked);
    }

    [Theory]
    [InlineData("v=DKIM1; p=", true)]
    [InlineData("v=DKIM1; k=rsa; t=y:s; p=", true)]
    public void Empty_p_is_a_revoked_key(string txt, bool revoked) =>
        Assert.Equal(revoked, DkimKeyRecord.Parse(txt, out _)!.Revoked);

    [Theory]
    [InlineData("k=rsa; v=DKIM1; p=", "first")]
    [InlineData("v=DKIM2; p=", "not a DKIM key record")]
    [InlineData("v=DKIM1; k=dsa; p=", "unknown key type")]
    [InlineData("v=DKIM1; k=rsa", "no p=")]
    [InlineData("v=DKIM1; p=@@@", "base64")]
    [InlineData("v=DKIM1; k=ed25519; p=AAAA", "ed25519 key of 3 bytes")]
    [InlineData("v=DKIM1; p=AAAA", "not a valid RSA public key")]
    [InlineData("v=DKIM1; p=; p=", "twice")]
    public void Unusable_records_say_why(string txt, string reason)
    {
        Assert.Null(DkimKeyRecord.Parse(txt, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Hash_service_and_flag_tags()
    {
        var record = DkimKeyRecord.Parse("v=DKIM1; h=sha1; s=tlsrpt; t=y : s; p=", out _)!;

        Assert.False(record.AllowsHash("sha256"));
        Assert.False(record.AllowsEmail);
        Assert.True(record.Testing);
        Assert.True(record.StrictIdentity);
    }
}
