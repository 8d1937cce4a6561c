using ActorMTA.Server.Checks.Arc;
using ActorMTA.Server.Checks.Dkim;
using ActorMTA.Server.Tests.Checks.Dkim;
using MimeKit;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Arc;

public sealed class ArcCheckerTests
{
    private static readonly HeaderId[] Sealed = [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId];

    private static TableCheckDns Dns() => new TableCheckDns()
        .Publish("lists.example.org", "arc", DkimTestKeys.Rsa2048)
        .Publish("relay.example.net", "arc2", DkimTestKeys.Ed25519Rfc8463);

    private static TestArcSigner FirstHop() =>
        new(DkimTestKeys.Rsa2048, "lists.example.org", "arc", "mx.lists.example.org", ("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"));

    private static TestArcSigner SecondHop() =>
        new(DkimTestKeys.Ed25519Rfc8463, "relay.example.net", "arc2", "mx.relay.example.net", ("arc", "pass"), ("dmarc", "fail"));

    private static MimeMessage Hop(MimeMessage message, TestArcSigner signer)
    {
        signer.Sign(message, Sealed);
        return DkimTestKeys.RoundTrip(message);
    }

    private static MimeMessage Replace(MimeMessage message, string from, string to)
    {
        var text = DkimTestKeys.Text(message);
        Assert.Contains(from, text);
        return DkimTestKeys.Parse(text.Replace(from, to));
    }

    [Fact]
    public async Task No_arc_headers_is_none()
    {
        var outcome = await new ArcChecker(Dns()).VerifyAsync(DkimTestKeys.Message(), CancellationToken.None);

        Assert.Equal(ArcOutcome.None, outcome);
    }

    [Fact]
    public async Task One_hop_chain_passes_and_reports_what_the_first_hop_saw()
    {
        var message = Hop(DkimTestKeys.Message(), FirstHop());

        var outcome = await new ArcChecker(Dns()).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Pass, outcome.Result);
        Assert.Equal(1, outcome.Instances);
        Assert.Null(outcome.Reason);
        Assert.Equal(["lists.example.org"], outcome.Sealers);
        Assert.Equal("mx.lists.example.org", outcome.OriginAuthServId);
        Assert.Equal("pass", outcome.OriginDmarc);
        Assert.Equal("pass", outcome.OriginSpf);
        Assert.Equal("pass", outcome.OriginDkim);
    }

    [Fact]
    public async Task Two_hop_chain_passes_and_keeps_the_oldest_results()
    {
        var message = Hop(Hop(DkimTestKeys.Message(), FirstHop()), SecondHop());

        var outcome = await new ArcChecker(Dns()).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Pass, outcome.Result);
        Assert.Equal(2, outcome.Instances);
        Assert.Equal(["lists.example.org", "relay.example.net"], outcome.Sealers);
        Assert.Equal("pass", outcome.OriginDmarc);
    }

    [Fact]
    public async Task Body_changed_after_the_last_hop_fails()
    {
        var message = Replace(Hop(Hop(DkimTestKeys.Message(), FirstHop()), SecondHop()), "Hello there.", "Hello there!");

        var outcome = await new ArcChecker(Dns()).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Fail, outcome.Result);
        Assert.Contains("MessageSignatureValidationFailed", outcome.Reason);
    }

    [Fact]
    public async Task First_hop_results_rewritten_later_break_the_seals()
    {
        var message = Replace(Hop(Hop(DkimTestKeys.Message(), FirstHop()), SecondHop()), "dmarc=pass", "dmarc=none");

        var outcome = await new ArcChecker(Dns()).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Fail, outcome.Result);
        Assert.Contains("SealValidationFailed", outcome.Reason);
    }

    [Fact]
    public async Task Missing_instance_fails()
    {
        var message = Replace(Hop(DkimTestKeys.Message(), FirstHop()), "i=1;", "i=2;");

        var outcome = await new ArcChecker(Dns()).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Fail, outcome.Result);
    }

    [Fact]
    public async Task Key_dns_failure_fails_the_chain_and_says_it_was_temporary()
    {
        var dns = new TableCheckDns().Fail("arc._domainkey.lists.example.org");
        var message = Hop(DkimTestKeys.Message(), FirstHop());

        var outcome = await new ArcChecker(dns).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Fail, outcome.Result);
        Assert.True(outcome.DnsTempError);
        Assert.Contains("temporary DNS failure", outcome.Reason);
    }

    [Fact]
    public async Task Forwarder_that_breaks_dkim_still_passes_arc()
    {
        var dns = Dns().Publish("example.com", "sel", DkimTestKeys.Rsa2048Other);
        var original = DkimTestKeys.Message();
        DkimTestKeys.Signer(DkimTestKeys.Rsa2048Other, "example.com", "sel").Sign(original, DkimTestKeys.SignedHeaders);
        // A mailing list tags the subject, then seals what it sent on.
        var listed = Replace(DkimTestKeys.RoundTrip(original), "Subject: Is dinner ready?", "Subject: [list] Is dinner ready?");
        var forwarded = Hop(listed, FirstHop());

        var dkim = await new DkimChecker(dns).VerifyAsync(forwarded, CancellationToken.None);
        var arc = await new ArcChecker(dns).VerifyAsync(forwarded, CancellationToken.None);

        Assert.Equal(DkimResult.Fail, Assert.Single(dkim).Result);
        Assert.Equal(ArcResult.Pass, arc.Result);
        Assert.Equal("pass", arc.OriginDmarc);
    }
}
