using System.Net;
using ActorMTA.Server.Delivery;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery;

public sealed class MailLoopGuardTests
{
    private static readonly IReadOnlySet<IPAddress> NoLocal = new HashSet<IPAddress>();
    private static readonly IReadOnlySet<IPAddress> Local = new HashSet<IPAddress> { IPAddress.Parse("192.0.2.7") };

    private static MailLoopGuard Guard(params string[] listeners) =>
        new("Mail.Example.Test", listeners.Select(IPEndPoint.Parse).ToArray());

    [Fact]
    public void Our_host_name_matches_whatever_its_case_and_trailing_dot()
    {
        var guard = Guard();
        Assert.True(guard.IsOwnHostName("mail.example.test."));
        Assert.True(guard.IsOwnHostName("MAIL.example.test"));
        Assert.False(guard.IsOwnHostName("mx.example.test"));
    }

    [Fact]
    public void A_listener_matches_its_own_address_and_port_only()
    {
        var guard = Guard("127.0.0.1:2525");
        Assert.True(guard.IsOwnEndpoint(IPAddress.Parse("127.0.0.1"), 2525, NoLocal));
        Assert.True(guard.IsOwnEndpoint(IPAddress.Parse("::ffff:127.0.0.1"), 2525, NoLocal));
        Assert.False(guard.IsOwnEndpoint(IPAddress.Parse("127.0.0.1"), 25, NoLocal));
        Assert.False(guard.IsOwnEndpoint(IPAddress.Parse("127.0.0.2"), 2525, NoLocal));
    }

    [Fact]
    public void A_listener_on_every_address_matches_loopback_and_this_machines_addresses_on_its_port()
    {
        var guard = Guard("0.0.0.0:25", "[::]:587");
        Assert.True(guard.IsOwnEndpoint(IPAddress.Parse("127.0.0.5"), 25, Local));
        Assert.True(guard.IsOwnEndpoint(IPAddress.Parse("192.0.2.7"), 25, Local));
        Assert.True(guard.IsOwnEndpoint(IPAddress.IPv6Loopback, 587, Local));
        Assert.False(guard.IsOwnEndpoint(IPAddress.Parse("192.0.2.8"), 25, Local));
        Assert.False(guard.IsOwnEndpoint(IPAddress.Parse("192.0.2.7"), 2525, Local));
    }

    [Fact]
    public void An_mx_that_is_us_drops_itself_and_every_mx_no_better_than_it()
    {
        var guard = Guard("0.0.0.0:25");
        MxHost[] hosts =
        [
            new("primary.example.test", 10, [IPAddress.Parse("198.51.100.1")]),
            new("backup.example.test", 20, [IPAddress.Parse("192.0.2.7")]),
            new("tertiary.example.test", 30, [IPAddress.Parse("198.51.100.3")]),
        ];
        Assert.Equal(["primary.example.test"], guard.WithoutSelf(hosts, 25, Local).Select(h => h.Name));
        Assert.Equal(hosts, guard.WithoutSelf(hosts, 2525, Local));
    }

    [Fact]
    public void When_the_best_mx_is_us_by_name_nothing_is_left()
    {
        MxHost[] hosts =
        [
            new("mail.example.test", 10, [IPAddress.Parse("198.51.100.1")]),
            new("other.example.test", 10, [IPAddress.Parse("198.51.100.2")]),
        ];
        Assert.Empty(Guard().WithoutSelf(hosts, 25, NoLocal));
    }

    [Fact]
    public void The_loop_failure_is_a_permanent_554_5_4_6()
    {
        var failure = MailLoopGuard.LoopFailure("example.org");
        Assert.Equal((true, 554, "5.4.6", "mail for example.org loops back to myself"),
            (failure.Permanent, failure.ReplyCode, failure.EnhancedCode, failure.Text));
        Assert.Equal(550, new MxResolution.Failure(true, "5.1.2", "x").ReplyCode);
        Assert.Equal(451, new MxResolution.Failure(false, "4.4.3", "x").ReplyCode);
    }

    [Fact]
    public async Task Local_addresses_are_only_read_when_a_wildcard_listener_shares_a_target_port()
    {
        Assert.Empty(await Guard("127.0.0.1:25").LocalAddressesAsync([25]));
        Assert.Empty(await Guard("0.0.0.0:25").LocalAddressesAsync([2525]));
        Assert.Contains(await Guard("0.0.0.0:25").LocalAddressesAsync([25]), IPAddress.IsLoopback);
    }
}
