using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery;
using ActorMTA.Server.Routing;
using ActorMTA.Storage.Accounts;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Routing;

public class RecipientRouterTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Aliases = new()
    {
        ["team@local.test"] = ["alice@local.test", "bob@local.test"],
        ["fwd@local.test"] = ["Carol@Remote.Example", "dave@other.example"],
        ["mixed@local.test"] = ["team@local.test", "carol@remote.example"],
        ["loop1@local.test"] = ["loop2@local.test"],
        ["loop2@local.test"] = ["loop1@local.test"],
    };

    private static RecipientRouter Router(AliasPolicy? policy = null, DeliverySettings? delivery = null) =>
        new(() => AccountSnapshot.Create(["local.test", "second.test"], ["alice@local.test", "bob@local.test"], Aliases,
            policy ?? new AliasPolicy { HostName = "mail.local.test" }), delivery);

    private static SmtpPath Path(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? new SmtpPath(address, null) : new SmtpPath(address[..at], address[(at + 1)..]);
    }

    [Theory]
    [InlineData("alice@local.test", true)]
    [InlineData("ALICE@Local.Test", true)]
    [InlineData("team@local.test", true)]
    [InlineData("fwd@local.test", true)]
    [InlineData("postmaster", true)]
    [InlineData("PostMaster", true)]
    [InlineData("postmaster@second.test", true)]
    [InlineData("abuse@local.test", true)]
    [InlineData("nobody@local.test", false)]
    [InlineData("nobody@second.test", false)]
    public void Local_recipients_are_accepted_when_they_lead_somewhere(string address, bool accepted)
    {
        var verdict = Router().Verdict(Path(address), mayRelay: false);
        Assert.Equal(accepted, verdict.IsAccepted);
        if (!accepted) Assert.Same(RecipientVerdict.UnknownUser, verdict);
    }

    [Fact]
    public void Other_domains_need_relay_permission()
    {
        Assert.Same(RecipientVerdict.RelayDenied, Router().Verdict(Path("x@remote.example"), mayRelay: false));
        Assert.Same(RecipientVerdict.RelayDenied, Router().Verdict(Path("x@[192.0.2.1]"), mayRelay: false));
        Assert.Same(RecipientVerdict.Accept, Router().Verdict(Path("x@remote.example"), mayRelay: true));
        // Being allowed to relay does not make an unknown local user known.
        Assert.Same(RecipientVerdict.UnknownUser, Router().Verdict(Path("nobody@local.test"), mayRelay: true));
    }

    [Fact]
    public void An_alias_loop_is_refused_with_5_4_6()
    {
        var verdict = Router().Verdict(Path("loop1@local.test"), mayRelay: true);
        Assert.Equal(550, verdict.Rejection!.Code);
        Assert.Equal("5.4.6", verdict.Rejection.EnhancedCode);
    }

    [Fact]
    public void Plan_splits_mailboxes_and_remote_domains_without_duplicates()
    {
        var (mailboxes, remote) = Router().Plan(
        [
            Path("team@local.test"), Path("Alice@local.test"), Path("mixed@local.test"), Path("fwd@local.test"),
            Path("x@remote.example"), Path("Postmaster"), Path("abuse@second.test"),
        ]);
        Assert.Equal(["alice@local.test", "bob@local.test", "postmaster@local.test"], mailboxes);
        Assert.Equal(["carol@remote.example", "Carol@remote.example", "x@remote.example"], remote["remote.example"]);
        Assert.Equal(["dave@other.example"], remote["other.example"]);
        Assert.Equal(2, remote.Count);
    }

    [Fact]
    public void Plan_keeps_mail_for_a_recipient_deleted_after_rcpt_in_its_own_mailbox()
    {
        var (mailboxes, remote) = Router().Plan([Path("Gone@local.test")]);
        Assert.Equal(["gone@local.test"], mailboxes);
        Assert.Empty(remote);
    }

    [Fact]
    public void Dsn_goes_to_a_local_mailbox_an_alias_target_or_the_senders_domain_queue()
    {
        var router = Router();
        Assert.Equal("alice@local.test", router.DsnDestinationFor("Alice@local.test", "Q1.B1").Mailbox);
        Assert.Equal("alice@local.test", router.DsnDestinationFor("team@local.test", "Q1.B1").Mailbox);
        Assert.Equal("postmaster@local.test", router.DsnDestinationFor("postmaster@second.test", "Q1.B1").Mailbox);
        var forwarded = router.DsnDestinationFor("fwd@local.test", "Q1.B1");
        Assert.Equal(("remote.example", "Carol@remote.example"), (forwarded.QueueName, forwarded.Recipient));
        var remote = router.DsnDestinationFor("someone@Remote.Example", "Q1.B1");
        Assert.Equal(("remote.example", "someone@Remote.Example"), (remote.QueueName, remote.Recipient));
        Assert.True(router.DsnDestinationFor("nobody@local.test", "Q1.B1").IsNowhere);
    }

    [Fact]
    public void Queue_names_follow_the_domain_partitions()
    {
        var config = ConfigurationFactory.ParseString("actormta.delivery.throttles { \"big.example\" { partitions = 4 } }")
            .WithFallback(Hosting.ConfigLoader.Load(null));
        var router = Router(delivery: DeliverySettings.FromConfig(config));
        Assert.Equal(QueuePartitions.QueueNameFor("big.example", "Q7", 4), router.QueueNameFor("Big.Example", "Q7"));
        Assert.Equal(router.QueueNameFor("big.example", "Q7.B1"), router.DsnDestinationFor("x@big.example", "Q7.B1").QueueName);
        Assert.Equal("small.example", router.QueueNameFor("small.example", "Q7"));
    }

    [Fact]
    public void Mailbox_names_are_normalised()
    {
        Assert.Equal("alice@local.test", Router().MailboxOf("ALICE@Local.TEST"));
        Assert.Equal("postmaster@local.test", Router().MailboxOf("Postmaster"));
        Assert.Equal("postmaster@second.test", Router(new AliasPolicy { PrimaryDomain = "second.test" }).MailboxOf("postmaster"));
    }

    [Fact]
    public void The_router_sees_account_changes_at_once()
    {
        var snapshot = AccountSnapshot.Create(["local.test"], []);
        var router = new RecipientRouter(() => snapshot);
        Assert.False(router.Verdict(Path("new@local.test"), false).IsAccepted);
        snapshot = AccountSnapshot.Create(["local.test"], ["new@local.test"]);
        Assert.True(router.Verdict(Path("new@local.test"), false).IsAccepted);
    }
}
