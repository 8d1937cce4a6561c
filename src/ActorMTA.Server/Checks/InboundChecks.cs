using System.Globalization;
using System.Text;
using ActorMTA.Server.Checks.Arc;
using ActorMTA.Server.Checks.Dkim;
using ActorMTA.Server.Checks.Dmarc;
using ActorMTA.Server.Checks.Rspamd;
using ActorMTA.Server.Checks.Spf;
using MimeKit;

namespace ActorMTA.Server.Checks;

/// <summary>
/// The inbound checks of one node, shared by all SMTP sessions (thread-safe): the connection stage, SPF, and at the
/// end of data DKIM, ARC, DMARC and Rspamd, folded into one <see cref="SpamVerdict"/>. Policies live in their own
/// classes; this one only orders them, weighs them and writes the result down.
/// </summary>
public sealed class InboundChecks
{
    private readonly SpamSettings _settings;
    private readonly string _authServId;
    private readonly ConnectionChecks _connection;
    private readonly SpfEvaluator _spf;
    private readonly DkimChecker _dkim;
    private readonly ArcChecker _arc;
    private readonly DmarcEvaluator _dmarc;
    private readonly RspamdClient? _rspamd;

    private readonly string? _reportDirectory;

    public InboundChecks(SpamSettings settings, string hostName, ICheckDns dns, PublicSuffixList psl, RspamdClient? rspamd, DmarcReportLog? reports = null,
        string? reportDirectory = null)
    {
        _settings = settings;
        _authServId = settings.AuthServIdOr(hostName);
        _connection = new ConnectionChecks(dns, settings);
        _spf = new SpfEvaluator(dns, new SpfOptions { ReceiverHost = hostName });
        _dkim = new DkimChecker(dns);
        _arc = new ArcChecker(dns);
        _dmarc = new DmarcEvaluator(dns, psl);
        _rspamd = rspamd;
        Reports = reports ?? new DmarcReportLog();
        _reportDirectory = reportDirectory;
    }

    public SpamSettings Settings => _settings;

    public string AuthServId => _authServId;

    public SpamCounters Counters { get; } = new();

    public DmarcReportLog Reports { get; }

    public RspamdClient? Rspamd => _rspamd;

    /// <summary>Appends the DMARC aggregate data gathered since the last call to the report directory (JSON lines per day), if one is set.</summary>
    public async Task FlushReportsAsync(CancellationToken ct)
    {
        if (_reportDirectory is null) return;
        await DmarcReportLog.AppendJsonLinesAsync(_reportDirectory, Reports.Snapshot(reset: true), ct).ConfigureAwait(false);
    }

    public async Task<ConnectionAssessment> AssessConnectionAsync(System.Net.IPAddress client, CancellationToken ct)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_settings.Timeout);
        try
        {
            return await _connection.AssessAsync(client, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ConnectionAssessment.Skipped(client);
        }
    }

    /// <summary>SPF of the MAIL FROM identity (the HELO identity for the null sender, RFC 7208 section 2.4); null when SPF is off.</summary>
    public async Task<SpfOutcome?> CheckSpfAsync(System.Net.IPAddress client, string mailFrom, string helo, CancellationToken ct)
    {
        if (!_settings.Spf) return null;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_settings.Timeout);
        try
        {
            return await _spf.CheckMailFromAsync(client, mailFrom, helo, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new SpfOutcome(SpfResult.TempError, DomainOf(mailFrom, helo), null, null, "timed out");
        }
    }

    /// <summary>The end-of-data verdict. <paramref name="open"/> reads the stored message (our trace fields first).</summary>
    /// <summary>Largest message read into memory whole for the checks; a larger one is parsed as a stream.</summary>
    public const int InMemoryScanLimit = 1024 * 1024;

    public async Task<SpamVerdict> AssessContentAsync(ContentCheckRequest request, Func<Stream> open, CancellationToken ct)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_settings.Timeout);
        var results = new AuthenticationResultsHeader(_authServId);
        var notes = new List<string>();
        var score = request.Connection.Score;

        results.Add("iprev", request.Connection.IpRev switch { IpRevResult.Pass => "pass", IpRevResult.Fail => "fail", _ => "temperror" },
            request.Connection.ReverseName, ("policy.iprev", request.Client.ToString()));
        foreach (var hit in request.Connection.Hits) notes.Add($"DNSBL({hit.Zone}={hit.Answer}:{hit.Weight.ToString(CultureInfo.InvariantCulture)})");
        if (request.Connection.IpRev == IpRevResult.Fail && _settings.FcrdnsFailWeight != 0) notes.Add("FCRDNS_FAIL");

        var spf = request.Spf;
        if (spf is not null)
        {
            results.Add("spf", SpfText(spf.Result), null, ("smtp.mailfrom", request.MailFrom.Length > 0 ? request.MailFrom : request.Helo));
            if (spf.Result == SpfResult.Fail) { score += _settings.SpfFailWeight; notes.Add("SPF_FAIL"); }
            if (spf.Result == SpfResult.SoftFail) { score += _settings.SpfSoftFailWeight; notes.Add("SPF_SOFTFAIL"); }
        }

        MimeMessage? message = null;
        var raw = ReadOnlyMemory<byte>.Empty;
        if (request.Size <= _settings.MaxScanSize && (_settings.Dkim || _settings.Dmarc || _settings.Arc || _rspamd is not null))
        {
            await using var stream = open();
            try
            {
                // A message of common size is read whole, so DKIM can hash its exact bytes (DkimRsaSha256Verifier).
                if (request.Size <= InMemoryScanLimit)
                {
                    var bytes = new byte[stream.Length];
                    await stream.ReadExactlyAsync(bytes, budget.Token).ConfigureAwait(false);
                    raw = bytes;
                    // SPF, DKIM (rsa-sha256) and DMARC work on the bytes; only ARC and Rspamd need MimeKit's parse.
                    if (_settings.Arc || _rspamd is not null) message = MimeMessage.Load(new MemoryStream(bytes, writable: false), budget.Token);
                }
                else
                {
                    message = await MimeMessage.LoadAsync(stream, budget.Token).ConfigureAwait(false);
                }
            }
            catch (FormatException)
            {
                notes.Add("UNPARSEABLE");
            }
        }
        else if (request.Size > _settings.MaxScanSize)
        {
            notes.Add("TOO_LARGE_TO_SCAN");
        }

        var rspamdTask = message is not null && _rspamd is not null ? ScanAsync(request, open, budget.Token) : null;

        IReadOnlyList<DkimSignatureResult> dkim = [];
        var scanned = message is not null || !raw.IsEmpty;
        // Without a parsed message, DKIM (per signature) and DMARC's From both read the raw header: split it once.
        var rawHeader = message is null && scanned ? Dkim.RawHeaderField.Split(raw) : ((List<Dkim.RawHeaderField> Fields, int BodyStart)?)null;
        if (scanned && (_settings.Dkim || _settings.Dmarc))
        {
            var bytes = raw;
            dkim = await Guarded(() => message is not null
                ? _dkim.VerifyAsync(message, bytes, budget.Token)
                : _dkim.VerifyAsync(bytes, () => MimeMessage.Load(new MemoryStream(bytes.ToArray(), writable: false)), budget.Token, rawHeader), [])
                .ConfigureAwait(false);
            if (dkim.Count == 0) results.Add("dkim", "none");
            foreach (var sig in dkim)
                results.Add("dkim", DkimText(sig.Result), sig.Reason, ("header.d", sig.Domain), ("header.s", sig.Selector), ("header.a", sig.Algorithm));
        }

        ArcOutcome? arc = null;
        if (message is not null && _settings.Arc)
        {
            arc = await Guarded<ArcOutcome?>(async () => await _arc.VerifyAsync(message, budget.Token).ConfigureAwait(false), null).ConfigureAwait(false);
            results.Add("arc", arc is null ? "temperror" : arc.Result.ToString().ToLowerInvariant(), arc?.Reason);
        }

        DmarcOutcome? dmarc = null;
        string? authorDomain = message is not null ? DmarcEvaluator.AuthorDomain(message)
            : rawHeader is { } split ? DmarcEvaluator.AuthorDomain(split.Fields, out _) : null;
        if (scanned && _settings.Dmarc)
        {
            if (authorDomain is null)
            {
                results.Add("dmarc", "permerror", "no single From domain");
            }
            else
            {
                var spfDomain = spf is null ? null : spf.Domain;
                dmarc = await Guarded<DmarcOutcome?>(async () => await _dmarc.EvaluateAsync(authorDomain, spfDomain, spf?.Result == SpfResult.Pass, dkim, budget.Token).ConfigureAwait(false), null)
                    .ConfigureAwait(false);
                results.Add("dmarc", dmarc is null ? "temperror" : dmarc.Result.ToString().ToLowerInvariant(),
                    dmarc is null ? null : "p=" + dmarc.PublishedPolicy.ToString().ToLowerInvariant(), ("header.from", authorDomain));
            }
        }

        RspamdScan? scan = rspamdTask is null ? null : await rspamdTask.ConfigureAwait(false);

        var verdict = Decide(dmarc, arc, scan, ref score, notes);
        if (dmarc is not null && dmarc.PolicyDomain is not null)
            Reports.Record(dmarc, request.Client, verdict.Action switch { SpamAction.Reject => DmarcPolicy.Reject, SpamAction.Junk => DmarcPolicy.Quarantine, _ => DmarcPolicy.None });

        var headers = new StringBuilder();
        headers.Append(results);
        if (spf is not null) headers.Append(ReceivedSpfHeader.Format(spf, request.Client, request.MailFrom.Length > 0 ? "mailfrom" : "helo", request.MailFrom, request.Helo, _authServId));
        var s = score.ToString("0.0", CultureInfo.InvariantCulture);
        headers.Append("X-Spam-Score: ").Append(s).Append("\r\n");
        headers.Append("X-Spam-Status: ").Append(verdict.Action == SpamAction.Junk ? "Yes" : "No").Append(", score=").Append(s)
            .Append(" required=").Append(_settings.JunkScore.ToString("0.0", CultureInfo.InvariantCulture));
        if (notes.Count > 0) headers.Append("\r\n\ttests=").Append(string.Join(",", notes.Select(Sanitize)));
        headers.Append("\r\n");

        var summary = $"action={verdict.Action.ToString().ToLowerInvariant()} score={s} iprev={request.Connection.IpRev.ToString().ToLowerInvariant()} " +
                      $"spf={(spf is null ? "off" : SpfText(spf.Result))} dkim={(dkim.Count == 0 ? "none" : string.Join("/", dkim.Select(d => DkimText(d.Result))))} " +
                      $"dmarc={(dmarc is null ? "none" : dmarc.Result.ToString().ToLowerInvariant())} arc={(arc is null ? "none" : arc.Result.ToString().ToLowerInvariant())} " +
                      $"rspamd={(scan is null ? "off" : scan.Unavailable ? "unavailable" : scan.Action.ToString().ToLowerInvariant())} tests={string.Join(",", notes)}";
        Counters.Count(verdict.Action, spf?.Result, dkim, dmarc?.Result);
        return verdict with { Headers = headers.ToString(), Score = score, Summary = summary };
    }

    private SpamVerdict Decide(DmarcOutcome? dmarc, ArcOutcome? arc, RspamdScan? scan, ref double score, List<string> notes)
    {
        var junk = false;
        if (dmarc is { Result: DmarcResult.Fail })
        {
            notes.Add("DMARC_FAIL");
            // The last sealer is the hop that handed us the message; trusting it means trusting what the chain's first hop saw.
            var overridden = arc is { Result: ArcResult.Pass, Sealers.Count: > 0 } && _settings.ArcTrustedSealers.Contains(arc.Sealers[^1].ToLowerInvariant())
                && string.Equals(arc.OriginDmarc, "pass", StringComparison.OrdinalIgnoreCase);
            if (overridden) notes.Add("ARC_TRUSTED_OVERRIDE");
            else if (dmarc.AppliedPolicy == DmarcPolicy.Reject && _settings.DmarcReject)
                return new SpamVerdict(SpamAction.Reject, SpamVerdict.Rejected($"Message rejected by the DMARC policy of {dmarc.AuthorDomain}"), "", score, "");
            else if (dmarc.AppliedPolicy is DmarcPolicy.Reject or DmarcPolicy.Quarantine)
                junk = true;
        }
        if (scan is not null)
        {
            if (scan.Unavailable)
            {
                notes.Add("RSPAMD_UNAVAILABLE");
                if (_settings.RspamdFailure == RspamdFailureMode.TempFail)
                    return new SpamVerdict(SpamAction.TempFail, SpamVerdict.Deferred("Content scanner unavailable, try again later"), "", score, "");
            }
            else if (!scan.Skipped)
            {
                score += scan.Score;
                notes.AddRange(scan.Symbols.Keys.Take(30).Select(sym => "RSPAMD_" + sym));
                switch (scan.Action)
                {
                    case RspamdAction.Reject:
                        return new SpamVerdict(SpamAction.Reject, SpamVerdict.Rejected(scan.SmtpMessage is { Length: > 0 } m ? Sanitize(m) : "Spam message rejected"), "", score, "");
                    case RspamdAction.SoftReject or RspamdAction.Greylist:
                        return new SpamVerdict(SpamAction.TempFail, SpamVerdict.Deferred(scan.SmtpMessage is { Length: > 0 } t ? Sanitize(t) : "Try again later"), "", score, "");
                    case RspamdAction.RewriteSubject or RspamdAction.AddHeader:
                        junk = true;
                        break;
                }
            }
        }
        if (score >= _settings.RejectScore)
            return new SpamVerdict(SpamAction.Reject, SpamVerdict.Rejected($"Message rejected as spam (score {score.ToString("0.0", CultureInfo.InvariantCulture)})"), "", score, "");
        if (score >= _settings.JunkScore) junk = true;
        return new SpamVerdict(junk ? SpamAction.Junk : SpamAction.Deliver, null, "", score, "");
    }

    private async Task<RspamdScan> ScanAsync(ContentCheckRequest request, Func<Stream> open, CancellationToken ct)
    {
        await using var stream = open();
        return await _rspamd!.ScanAsync(stream, new RspamdEnvelope(request.MailFrom, request.Recipients, request.Client, request.Helo,
            request.Connection.IpRev == IpRevResult.Pass ? request.Connection.ReverseName : null, null, request.QueueId), ct).ConfigureAwait(false);
    }

    private static async Task<T> Guarded<T>(Func<Task<T>> check, T onTimeout)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return onTimeout;
        }
    }

    private static string DomainOf(string mailFrom, string helo)
    {
        var at = mailFrom.LastIndexOf('@');
        return at >= 0 ? mailFrom[(at + 1)..] : helo;
    }

    public static string SpfText(SpfResult r) => r.ToString().ToLowerInvariant();

    public static string DkimText(DkimResult r) => r.ToString().ToLowerInvariant();

    private static string Sanitize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text) sb.Append(ch is < ' ' or '\u007f' ? ' ' : ch);
        return sb.ToString();
    }
}
