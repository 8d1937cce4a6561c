using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.Protocol.Bounces;
using Xunit;

namespace ActorMTA.Protocol.Tests.Bounces;

/// <summary>
/// The tenant in a VERP return path (<c>bounces+QUEUEID=~tTENANT=LOCAL=DOMAIN@...</c>): it comes back out of a report's
/// address whichever node reads it, gives way to the recipient when 64 octets are not enough, and return paths without
/// it (written before tenants were carried) still decode.
/// </summary>
public sealed class VerpAddressTenantTests
{
    private const string QueueId = "01JB2Q8M3XABCDEFGHJK"; // the generator's 20 characters
    private static readonly VerpAddress Verp = new("bounces", "mta.example.com");
    private static readonly Regex DotAtom = new(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$");

    private static string LocalOf(string address) => address[..address.LastIndexOf('@')];

    [Fact]
    public void A_tenant_is_a_field_of_its_own_after_the_queue_id()
    {
        Assert.Equal("bounces+01JB2Q8M3X=~tacme=alice=example.org@mta.example.com", Verp.Encode("01JB2Q8M3X", "alice@example.org", "acme"));
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("Acme-Corp_42")]
    [InlineData("a=b")]
    [InlineData("~t")]
    [InlineData("h~")]
    [InlineData("ab")]
    [InlineData("x@y")]
    [InlineData(".lead.trail.")]
    [InlineData("a..b")]
    [InlineData("%\"(),")]
    [InlineData(":;<>[]\\")]
    public void A_tenant_round_trips_with_the_queue_id_and_recipient(string tenant)
    {
        // A short recipient: escaped, each of these tenants takes up to 21 octets.
        var address = Verp.Encode(QueueId, "b@r.example", tenant);
        var local = LocalOf(address);

        Assert.Matches(DotAtom, local);
        Assert.True(Encoding.UTF8.GetByteCount(local) <= VerpAddress.MaxLocalPartLength, local);
        Assert.True(Verp.TryDecode(address, out var target), address);
        Assert.Equal(QueueId, target.QueueId);
        Assert.Equal("b@r.example", target.Recipient);
        Assert.Equal(tenant, target.Tenant);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    // Not what the HTTP API takes as a tenant, and not what a decoder accepts: left out rather than written.
    [InlineData("a b")]
    [InlineData("jörg")]
    public void Without_a_tenant_the_return_path_is_the_one_written_before_tenants_were_carried(string? tenant)
    {
        var address = Verp.Encode(QueueId, "bob@remote.example", tenant);

        Assert.Equal(Verp.Encode(QueueId, "bob@remote.example"), address);
        Assert.Equal($"bounces+{QueueId}=bob=remote.example@mta.example.com", address);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Null(target.Tenant);
    }

    [Fact]
    public void Return_paths_of_mail_sent_before_the_upgrade_still_decode_without_a_tenant()
    {
        Assert.True(Verp.TryDecode($"bounces+{QueueId}=bob=remote.example@mta.example.com", out var spelt));
        Assert.Equal(new VerpTarget(QueueId, "bob@remote.example", null), spelt);
        Assert.True(Verp.TryDecode($"bounces+{QueueId}=h~0123456789abcdef@mta.example.com", out var hashed));
        Assert.Equal(new VerpTarget(QueueId, null, "0123456789abcdef"), hashed);
        // A recipient that looks like the marker, escaped as any other: "~t" only ever starts the tenant field.
        Assert.True(Verp.TryDecode(Verp.Encode(QueueId, "~tx@remote.example"), out var tilde));
        Assert.Equal("~tx@remote.example", tilde.Recipient);
        Assert.Null(tilde.Tenant);
    }

    [Fact]
    public void When_tenant_and_recipient_do_not_both_fit_the_recipient_is_spelt_out_and_the_tenant_left_out()
    {
        // 8 + 20 + 1 + 29 = 58 octets without the tenant; "~tacme-corporation=" would make it 77.
        var recipient = new string('r', 14) + "@remote.example";
        var address = Verp.Encode(QueueId, recipient, "acme-corporation");

        Assert.True(LocalOf(address).Length <= VerpAddress.MaxLocalPartLength);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Equal(recipient, target.Recipient);
        Assert.Null(target.Tenant);
    }

    [Fact]
    public void A_recipient_too_long_to_spell_out_is_hashed_and_the_tenant_kept_when_it_fits_beside_the_hash()
    {
        var recipient = new string('r', 40) + "@remote.example";
        var address = Verp.Encode(QueueId, recipient, "acme");

        Assert.Equal($"bounces+{QueueId}=~tacme=h~{VerpAddress.HashOf(recipient)}@mta.example.com", address);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Null(target.Recipient);
        Assert.True(target.Names(recipient));
        Assert.Equal("acme", target.Tenant);
    }

    [Fact]
    public void When_not_even_the_hash_leaves_room_for_the_tenant_only_the_hash_is_carried()
    {
        var recipient = new string('r', 40) + "@remote.example";
        // 8 + 20 + 1 + 18 = 47 octets with the hash; the tenant field would need 2 + 16 + 1 more.
        var address = Verp.Encode(QueueId, recipient, new string('t', 16));

        Assert.Equal($"bounces+{QueueId}=h~{VerpAddress.HashOf(recipient)}@mta.example.com", address);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Null(target.Tenant);
        Assert.True(target.Names(recipient));
    }

    [Fact]
    public void The_longest_queue_id_still_fits_with_a_tenant_and_any_recipient()
    {
        var queueId = new string('Q', Verp.MaxQueueIdLength);
        var address = Verp.Encode(queueId, new string('r', 64) + "@example.org", "acme");

        Assert.Equal(VerpAddress.MaxLocalPartLength, LocalOf(address).Length);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Equal(queueId, target.QueueId);
    }

    [Fact]
    public void A_return_path_whose_case_the_bouncing_system_changed_decodes_with_hex_in_either_case()
    {
        var address = Verp.Encode(QueueId, "x y@remote.example", "a=b~c");
        Assert.Contains("~ta~3Db~7Ec=", address);

        Assert.True(Verp.TryDecode(address.ToLowerInvariant(), out var lower));
        Assert.Equal("a=b~c", lower.Tenant);
        Assert.Equal("x y@remote.example", lower.Recipient);
        Assert.True(Verp.TryDecode(address.ToUpperInvariant(), out var upper));
        Assert.Equal("A=B~C", upper.Tenant);
        Assert.Equal("X Y@REMOTE.EXAMPLE", upper.Recipient);
    }

    [Theory]
    // An empty tenant, a tenant with no recipient after it, an escape that is no hex, a control character, a blank, non-ASCII.
    [InlineData("bounces+01JB=~t=bob=remote.example@mta.example.com")]
    [InlineData("bounces+01JB=~tacme@mta.example.com")]
    [InlineData("bounces+01JB=~tacme=@mta.example.com")]
    [InlineData("bounces+01JB=~ta~ZZ=bob=remote.example@mta.example.com")]
    [InlineData("bounces+01JB=~ta~0Ab=bob=remote.example@mta.example.com")]
    [InlineData("bounces+01JB=~ta~20b=bob=remote.example@mta.example.com")]
    [InlineData("bounces+01JB=~t~C3~A9=bob=remote.example@mta.example.com")]
    [InlineData("bounces+01JB=~tacme=h~123@mta.example.com")]
    public void A_tenant_field_we_would_not_have_written_makes_the_address_no_return_path_of_ours(string address) =>
        Assert.False(Verp.TryDecode(address, out _));
}
