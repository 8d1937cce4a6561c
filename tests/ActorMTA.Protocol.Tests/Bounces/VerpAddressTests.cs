using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.Protocol.Bounces;
using Xunit;

namespace ActorMTA.Protocol.Tests.Bounces;

public sealed class VerpAddressTests
{
    private static readonly VerpAddress Verp = new("bounces", "mta.example.com");

    // RFC 5322 section 3.2.3 dot-atom, with RFC 5321's Local-part = Dot-string.
    private static readonly Regex DotAtom = new(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$");

    [Fact]
    public void A_plain_recipient_is_written_the_postfix_way()
    {
        Assert.Equal("bounces+01JB2Q8M3X=alice=example.org@mta.example.com", Verp.Encode("01JB2Q8M3X", "alice@example.org"));
    }

    [Theory]
    [InlineData("01JB2Q8M3X", "alice@example.org")]
    [InlineData("01JB2Q8M3X", "alice+news@example.org")]
    [InlineData("01JB2Q8M3X", "a=b==c@example.org")]
    [InlineData("01JB2Q8M3X", "\"john doe\"@example.org")]
    [InlineData("01JB2Q8M3X", "\"odd@local\"@example.org")]
    [InlineData("01JB2Q8M3X", "\"a..b.\"@example.org")]
    [InlineData("01JB2Q8M3X", ".lead@example.org")]
    [InlineData("01JB2Q8M3X", "tilde~x%y@example.org")]
    [InlineData("01JB2Q8M3X", "user@[192.0.2.1]")]
    [InlineData("01JB2Q8M3X", "jörg@bücher.example")]
    [InlineData("01JB2Q8M3X", "😀@example.org")]
    [InlineData("q=1+2~3@x", "bob@example.org")]
    [InlineData("01JB2Q8M3X", "UPPER.Case@Example.ORG")]
    // Spelt out as "h~3Dx=...": starts like the hashed form's marker.
    [InlineData("01JB2Q8M3X", "h=x@example.org")]
    [InlineData("01JB2Q8M3X", "H~y@example.org")]
    public void Any_queue_id_and_recipient_round_trip_through_a_dot_atom(string queueId, string recipient)
    {
        var address = Verp.Encode(queueId, recipient);
        var local = address[..address.LastIndexOf('@')];

        Assert.Matches(DotAtom, local);
        Assert.True(Encoding.UTF8.GetByteCount(local) <= 64, local);
        Assert.EndsWith("@mta.example.com", address);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Equal(queueId, target.QueueId);
        Assert.Equal(recipient, target.Recipient);
        Assert.True(target.Names(recipient));
    }

    [Fact]
    public void A_return_path_lower_cased_by_the_bouncing_system_still_decodes()
    {
        var address = Verp.Encode("01JB2Q8M3X", "\"x y\"@example.org").ToLowerInvariant();

        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Equal("01jb2q8m3x", target.QueueId);
        Assert.Equal("\"x y\"@example.org", target.Recipient);
    }

    [Fact]
    public void A_recipient_too_long_for_64_octets_is_carried_as_a_hash()
    {
        var recipient = new string('r', 50) + "@a-rather-long-recipient-domain.example";
        var address = Verp.Encode("01JB2Q8M3X", recipient);
        var local = address[..address.LastIndexOf('@')];

        Assert.True(local.Length <= 64);
        Assert.Matches(DotAtom, local);
        Assert.True(Verp.TryDecode(address, out var target));
        Assert.Equal("01JB2Q8M3X", target.QueueId);
        Assert.Null(target.Recipient);
        Assert.True(target.Names(recipient));
        Assert.False(target.Names("other@a-rather-long-recipient-domain.example"));
    }

    [Fact]
    public void A_queue_id_of_the_documented_maximum_fits_with_any_recipient()
    {
        var queueId = new string('Q', Verp.MaxQueueIdLength);
        var address = Verp.Encode(queueId, new string('r', 64) + "@example.org");

        Assert.Equal(64, address.IndexOf('@'));
        Assert.Throws<ArgumentException>(() => Verp.Encode(queueId + "Q", new string('r', 64) + "@example.org"));
    }

    [Theory]
    [InlineData("alice@example.org")]
    [InlineData("bounces@mta.example.com")]
    [InlineData("bounces+@mta.example.com")]
    [InlineData("bounces+01JB=alice@mta.example.com")]
    [InlineData("bounces+01JB=alice=@mta.example.com")]
    [InlineData("bounces+01JB=a~4=example.org@mta.example.com")]
    [InlineData("bounces+01JB=a~ZZb=example.org@mta.example.com")]
    [InlineData("bounces+01JB=h~123@mta.example.com")]
    [InlineData("bouncesx+01JB=alice=example.org@mta.example.com")]
    [InlineData("")]
    public void Addresses_that_are_not_our_return_paths_do_not_decode(string address) =>
        Assert.False(Verp.TryDecode(address, out _));

    [Theory]
    [InlineData("bounces+x")]
    [InlineData("b=c")]
    [InlineData("")]
    public void A_local_part_that_would_make_decoding_ambiguous_is_refused(string localPart) =>
        Assert.Throws<ArgumentException>(() => new VerpAddress(localPart, "mta.example.com"));
}
