using System.Net;
using ActorMTA.Server.Checks.Rspamd;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Rspamd;

/// <summary>The client against a real Rspamd over real HTTP.</summary>
public sealed class RspamdClientTests : IClassFixture<RspamdFixture>, IDisposable
{
    private readonly RspamdFixture _fixture;
    private readonly RspamdClient _client;

    public RspamdClientTests(RspamdFixture fixture)
    {
        _fixture = fixture;
        _client = new RspamdClient(Options());
    }

    private RspamdOptions Options(string? password = RspamdServerPassword, int maxMessageSize = 10 * 1024 * 1024) =>
        new(_fixture.Server.Url, _fixture.Server.ControllerUrl, password, TimeSpan.FromSeconds(10), maxMessageSize);

    private const string RspamdServerPassword = ActorMTA.TestSupport.RspamdServer.ControllerPassword;

    private static RspamdEnvelope Envelope(string queueId, string? user = null, string? settingsId = null) => new(
        MailFrom: "alice@example.org",
        Recipients: ["bob@example.net"],
        ClientAddress: IPAddress.Parse("192.0.2.10"),
        Helo: "mail.example.org",
        ClientHostname: "mail.example.org",
        AuthenticatedUser: user,
        QueueId: queueId,
        SettingsId: settingsId);

    [Fact]
    public async Task Gtube_is_rejected_with_a_high_score_and_the_GTUBE_symbol()
    {
        using var message = RspamdMessages.GtubeMessage();

        var scan = await _client.ScanAsync(message, Envelope("GTUBE1"), CancellationToken.None);

        Assert.Equal(RspamdScanOutcome.Scanned, scan.Outcome);
        Assert.False(scan.Unavailable);
        Assert.Equal(RspamdAction.Reject, scan.Action);
        Assert.Equal("reject", scan.ActionName);
        Assert.True(scan.Score >= 15, $"score {scan.Score}");
        Assert.True(scan.HasSymbol("GTUBE"), string.Join(",", scan.Symbols.Keys));
        Assert.Equal("Gtube pattern", scan.SmtpMessage);
    }

    [Fact]
    public async Task A_clean_message_gets_no_action_with_a_score_and_symbols()
    {
        using var message = RspamdMessages.CleanMessage();

        var scan = await _client.ScanAsync(message, Envelope("CLEAN1"), CancellationToken.None);

        Assert.Equal(RspamdScanOutcome.Scanned, scan.Outcome);
        Assert.Equal(RspamdAction.NoAction, scan.Action);
        Assert.True(scan.Score < scan.RequiredScore, $"score {scan.Score} of {scan.RequiredScore}");
        Assert.Equal(15, scan.RequiredScore);
        Assert.NotEmpty(scan.Symbols);
        Assert.True(scan.HasSymbol("MIME_GOOD"), string.Join(",", scan.Symbols.Keys));
        Assert.All(scan.Symbols, pair => Assert.Equal(pair.Key, pair.Value.Name));
        Assert.Contains("text/plain", scan.Symbols["MIME_GOOD"].Options);
        // The message is not changed by leaving the stream to the caller: it is still readable afterwards.
        Assert.True(message.CanRead);
    }

    [Fact]
    public async Task Envelope_headers_reach_rspamd()
    {
        using var message = RspamdMessages.CleanMessage();
        var queueId = "ENV" + Guid.NewGuid().ToString("N")[..8];

        var scan = await _client.ScanAsync(message, Envelope(queueId, user: "alice"), CancellationToken.None);

        Assert.Equal(RspamdScanOutcome.Scanned, scan.Outcome);
        // Symbols that compare the header From/To with MAIL FROM/RCPT TO only fire when the envelope arrived.
        Assert.True(scan.HasSymbol("FROM_EQ_ENVFROM"), string.Join(",", scan.Symbols.Keys));
        Assert.True(scan.HasSymbol("TO_MATCH_ENVRCPT_ALL"), string.Join(",", scan.Symbols.Keys));
        // Authenticated senders skip SPF in Rspamd: proof that User arrived, beside the log line below.
        Assert.False(scan.HasSymbol("R_SPF_DNSFAIL"), string.Join(",", scan.Symbols.Keys));
        var line = await _fixture.Server.WaitForLogLineAsync(l => l.Contains($"qid: <{queueId}>", StringComparison.Ordinal));
        Assert.Contains("ip: 192.0.2.10", line);
        Assert.Contains("user: alice", line);
        Assert.Contains("from: <alice@example.org>", line);
        Assert.Contains("rcpts: <bob@example.net>", line);
    }

    [Fact]
    public async Task Unauthenticated_envelope_runs_the_SMTP_checks_and_a_different_sender_shows()
    {
        using var message = RspamdMessages.CleanMessage();
        var envelope = Envelope("UNAUTH1") with { MailFrom = "bounce@lists.example.com", Recipients = ["carol@example.net", "dave@example.net"] };

        var scan = await _client.ScanAsync(message, envelope, CancellationToken.None);

        Assert.Equal(RspamdScanOutcome.Scanned, scan.Outcome);
        var symbols = string.Join(",", scan.Symbols.Keys);
        Assert.True(scan.HasSymbol("FROM_NEQ_ENVFROM"), symbols);
        Assert.True(scan.HasSymbol("FORGED_SENDER"), symbols);
        Assert.False(scan.HasSymbol("TO_MATCH_ENVRCPT_ALL"), symbols);
        // SPF runs for unauthenticated mail only; with no DNS in the test it can only fail to resolve. (The HELO
        // checks' symbols depend on how the failed lookups race, so they are not asserted.)
        Assert.True(scan.HasSymbol("R_SPF_DNSFAIL"), symbols);
    }

    [Fact]
    public async Task Null_sender_is_sent_as_empty_path()
    {
        using var message = RspamdMessages.CleanMessage();
        var queueId = "NULL" + Guid.NewGuid().ToString("N")[..8];

        var scan = await _client.ScanAsync(message, Envelope(queueId) with { MailFrom = "" }, CancellationToken.None);

        Assert.Equal(RspamdScanOutcome.Scanned, scan.Outcome);
        Assert.False(scan.HasSymbol("FROM_EQ_ENVFROM"));
    }

    [Fact]
    public async Task Settings_id_selects_the_named_settings()
    {
        using var message = RspamdMessages.CleanMessage();

        var scan = await _client.ScanAsync(message, Envelope("SET1", settingsId: ActorMTA.TestSupport.RspamdServer.LenientSettingsId), CancellationToken.None);

        Assert.Equal(RspamdScanOutcome.Scanned, scan.Outcome);
        Assert.Equal(1000, scan.RequiredScore);
    }

    [Fact]
    public async Task Scans_from_the_streams_position_and_from_unseekable_streams()
    {
        using var gtube = RspamdMessages.GtubeMessage();
        var prefixed = new MemoryStream();
        prefixed.Write("garbage before the message"u8);
        var start = prefixed.Position;
        await gtube.CopyToAsync(prefixed);
        prefixed.Position = start;

        var fromPosition = await _client.ScanAsync(prefixed, Envelope("POS1"), CancellationToken.None);
        var unseekable = await _client.ScanAsync(new UnseekableStream(RspamdMessages.GtubeMessage()), Envelope("POS2"), CancellationToken.None);

        Assert.Equal(RspamdAction.Reject, fromPosition.Action);
        Assert.Equal(RspamdAction.Reject, unseekable.Action);
    }

    [Fact]
    public async Task Concurrent_scans_share_one_client()
    {
        var scans = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
        {
            var message = i % 2 == 0 ? RspamdMessages.GtubeMessage() : RspamdMessages.CleanMessage();
            return _client.ScanAsync(message, Envelope("PAR" + i), CancellationToken.None);
        }));

        for (var i = 0; i < scans.Length; i++)
            Assert.Equal(i % 2 == 0 ? RspamdAction.Reject : RspamdAction.NoAction, scans[i].Action);
    }

    [Fact]
    public async Task Messages_over_the_limit_are_not_sent()
    {
        using var client = new RspamdClient(Options(maxMessageSize: 100));
        using var message = RspamdMessages.GtubeMessage();
        var queueId = "BIG" + Guid.NewGuid().ToString("N")[..8];

        var scan = await client.ScanAsync(message, Envelope(queueId), CancellationToken.None);
        var unseekable = await client.ScanAsync(new UnseekableStream(RspamdMessages.GtubeMessage()), Envelope(queueId), CancellationToken.None);
        var learn = await client.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);

        Assert.True(scan.Skipped);
        Assert.False(scan.Unavailable);
        Assert.Contains("exceeds", scan.Reason);
        Assert.True(unseekable.Skipped);
        Assert.Equal(RspamdLearnOutcome.Skipped, learn.Outcome);
        await Task.Delay(200);
        Assert.DoesNotContain(_fixture.Server.LogLines, l => l.Contains(queueId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Learn_spam_then_ham_is_accepted_and_repeats_are_already_learned()
    {
        var spam = RspamdMessages.SpammyMessage();
        var ham = RspamdMessages.CleanMessage();

        var learnedSpam = await _client.LearnAsync(spam, spam: true, CancellationToken.None);
        spam.Position = 0;
        var again = await _client.LearnAsync(spam, spam: true, CancellationToken.None);
        var learnedHam = await _client.LearnAsync(ham, spam: false, CancellationToken.None);

        Assert.True(learnedSpam.Succeeded, $"{learnedSpam.Outcome}: {learnedSpam.Reason}");
        Assert.True(again.Outcome == RspamdLearnOutcome.AlreadyLearned, $"{again.Outcome}: {again.Reason}");
        Assert.True(again.Succeeded);
        Assert.Contains("already learned", again.Reason);
        Assert.True(learnedHam.Succeeded, $"{learnedHam.Outcome}: {learnedHam.Reason}");
    }

    [Fact]
    public async Task Learning_with_a_wrong_or_missing_password_fails_with_the_reason()
    {
        using var wrong = new RspamdClient(Options(password: "not-the-password"));
        using var none = new RspamdClient(Options(password: null));

        var withWrong = await wrong.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);
        var withNone = await none.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);

        Assert.Equal(RspamdLearnOutcome.Failed, withWrong.Outcome);
        Assert.Contains("401", withWrong.Reason);
        Assert.Contains("Unauthorized", withWrong.Reason);
        Assert.Equal(RspamdLearnOutcome.Failed, withNone.Outcome);
    }

    [Fact]
    public async Task Learning_at_the_scanner_url_without_a_controller_fails_without_throwing()
    {
        // ControllerUrl defaults to Url; the normal worker has no /learnspam, which must read as a failure.
        using var client = new RspamdClient(new RspamdOptions(_fixture.Server.Url, null, RspamdServerPassword, TimeSpan.FromSeconds(5), 1 << 20));

        var result = await client.LearnAsync(RspamdMessages.SpammyMessage(), spam: true, CancellationToken.None);

        Assert.True(result.Outcome == RspamdLearnOutcome.Failed, $"{result.Outcome}: {result.Reason}");
        Assert.NotNull(result.Reason);
    }

    [Fact]
    public async Task The_callers_cancellation_throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _client.ScanAsync(RspamdMessages.CleanMessage(), Envelope("CANCEL1"), cancelled.Token));
    }

    public void Dispose() => _client.Dispose();
}
