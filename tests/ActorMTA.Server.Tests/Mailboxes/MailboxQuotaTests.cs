using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Mailboxes;

public sealed class MailboxQuotaTests
{
    [Fact]
    public void By_default_no_mailbox_has_a_quota()
    {
        var quota = MailboxSettings.FromConfig(NodeConfig.ActorMta("")).Quota;
        Assert.True(quota.IsUnlimited);
        Assert.Null(quota.LimitFor("anyone@example.test"));
    }

    [Fact]
    public void A_default_and_per_address_limits_are_read_with_binary_units()
    {
        var quota = MailboxQuota.FromConfig(NodeConfig.ActorMta("""
            actormta.mailbox.quota { storage = 1GiB, users { "Boss@Example.TEST" = 10GiB, "bulk@example.test" = unlimited } }
            """));
        Assert.False(quota.IsUnlimited);
        Assert.Equal(1L << 30, quota.LimitFor("someone@example.test"));
        Assert.Equal(10L << 30, quota.LimitFor("boss@example.test"));
        Assert.Null(quota.LimitFor("bulk@example.test"));
    }

    [Fact]
    public void A_malformed_size_is_a_configuration_error() =>
        Assert.Throws<ConfigurationException>(() => MailboxQuota.FromConfig(NodeConfig.ActorMta("actormta.mailbox.quota.storage = lots")));
}
