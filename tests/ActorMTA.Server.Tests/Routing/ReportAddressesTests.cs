using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Routing;
using ActorMTA.Storage.Accounts;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Routing;

/// <summary>VERP return paths and feedback-loop addresses: how they are written and how the router treats them.</summary>
public sealed class ReportAddressesTests
{
    private static BounceRulesSettings Settings(string hocon) =>
        BounceRulesSettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    private static ReportAddresses Reports(string hocon = "actormta.bounces { verp = on, feedback-addresses = [\"FBL@local.test\"] }") =>
        new(Settings(hocon), () => "local.test");

    private static RecipientRouter Router(ReportAddresses reports) =>
        new(() => AccountSnapshot.Create(["local.test"], ["alice@local.test"])) { Reports = reports };

    private static SmtpPath Path(string address)
    {
        var at = address.LastIndexOf('@');
        return new SmtpPath(address[..at], address[(at + 1)..]);
    }

    [Fact]
    public void Verp_on_writes_the_return_path_at_the_primary_domain_and_keeps_the_null_sender()
    {
        var reports = Reports();
        Assert.Equal("bounces+01JB2Q8M3X=bob=remote.example@local.test", reports.ReturnPathFor("alice@local.test", "01JB2Q8M3X", "bob@remote.example"));
        Assert.Equal("", reports.ReturnPathFor("", "01JB2Q8M3X", "bob@remote.example"));
    }

    [Fact]
    public void Verp_off_keeps_the_senders_return_path()
    {
        var reports = Reports("actormta.bounces.verp = off");
        Assert.Equal("alice@local.test", reports.ReturnPathFor("alice@local.test", "01JB2Q8M3X", "bob@remote.example"));
    }

    [Fact]
    public void A_written_return_path_is_recognised_and_names_its_message_and_recipient()
    {
        var reports = Reports();
        var returnPath = reports.ReturnPathFor("alice@local.test", "01JB2Q8M3X", "Bob.Smith@Remote.Example");

        var report = reports.Recognize(Path(returnPath));

        Assert.NotNull(report);
        Assert.Equal(ReportKind.Verp, report.Kind);
        Assert.Equal("01JB2Q8M3X", report.Target!.QueueId);
        Assert.Equal("Bob.Smith@Remote.Example", report.Target.Recipient);
    }

    [Fact]
    public void A_tenants_return_path_is_recognised_with_its_tenant_and_verp_off_leaves_the_sender_alone()
    {
        var returnPath = Reports().ReturnPathFor("alice@local.test", "01JB2Q8M3X", "bob@remote.example", "acme");

        Assert.Equal("bounces+01JB2Q8M3X=~tacme=bob=remote.example@local.test", returnPath);
        var report = Reports().Recognize(Path(returnPath));
        Assert.Equal(ReportKind.Verp, report!.Kind);
        Assert.Equal("acme", report.Target!.Tenant);
        Assert.Equal("bob@remote.example", report.Target.Recipient);
        Assert.Equal("alice@local.test", Reports("actormta.bounces.verp = off").ReturnPathFor("alice@local.test", "01JB2Q8M3X", "bob@remote.example", "acme"));
    }

    [Theory]
    // Another domain, another local part, no queue id, a plain address.
    [InlineData("bounces+01JB2Q8M3X=bob=remote.example@other.test")]
    [InlineData("returns+01JB2Q8M3X=bob=remote.example@local.test")]
    [InlineData("bounces+@local.test")]
    [InlineData("alice@local.test")]
    public void Anything_else_is_no_report(string address) => Assert.Null(Reports().Recognize(Path(address)));

    [Fact]
    public void Verp_addresses_are_recognised_even_with_verp_off_since_old_bounces_still_arrive()
    {
        var reports = Reports("actormta.bounces.verp = off");
        Assert.Equal(ReportKind.Verp, reports.Recognize(Path("bounces+01JB2Q8M3X=bob=remote.example@local.test"))!.Kind);
    }

    [Fact]
    public void Feedback_addresses_match_in_any_case()
    {
        var report = Reports().Recognize(Path("fbl@LOCAL.test"));
        Assert.Equal(ReportKind.Feedback, report!.Kind);
    }

    [Fact]
    public void A_feedback_address_that_is_no_address_is_refused_at_start()
    {
        var e = Assert.Throws<ConfigurationException>(() => Settings("actormta.bounces.feedback-addresses = [\"fbl\"]"));
        Assert.Contains("feedback-addresses", e.Message);
    }

    [Fact]
    public void The_router_accepts_report_addresses_from_anyone_and_plans_no_delivery_for_them()
    {
        var router = Router(Reports());
        var verp = Path("bounces+01JB2Q8M3X=bob=remote.example@local.test");
        var fbl = Path("fbl@local.test");

        // Unknown users of a local domain otherwise; accepted without relay permission.
        Assert.True(router.Verdict(verp, mayRelay: false).IsAccepted);
        Assert.True(router.Verdict(fbl, mayRelay: false).IsAccepted);
        var (mailboxes, remote) = router.Plan([verp, fbl, Path("alice@local.test")]);
        Assert.Equal(["alice@local.test"], mailboxes);
        Assert.Empty(remote);
    }

    [Fact]
    public void Without_report_addresses_the_same_address_is_an_unknown_user()
    {
        var router = new RecipientRouter(() => AccountSnapshot.Create(["local.test"], ["alice@local.test"]));
        Assert.Equal(RecipientVerdict.UnknownUser, router.Verdict(Path("fbl@local.test"), mayRelay: false));
    }

    [Fact]
    public void The_postmaster_mailbox_is_the_implicit_one_without_an_alias()
    {
        Assert.Equal("postmaster@local.test", Router(Reports()).PostmasterMailbox());
    }
}
