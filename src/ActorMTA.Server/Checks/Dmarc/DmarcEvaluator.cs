using System.Globalization;
using ActorMTA.Server.Checks.Dkim;
using MimeKit;

namespace ActorMTA.Server.Checks.Dmarc;

/// <summary>
/// DMARC evaluation (RFC 7489): policy discovery at <c>_dmarc.</c> the author domain, else at its organizational
/// domain (section 6.6.3); identifier alignment of SPF (the MAIL FROM domain, when SPF passed) and DKIM (d= of each
/// passing signature), relaxed or strict per the record (section 3.1); the published policy, sp= for a subdomain
/// without its own record, and pct= sampling with a random source that tests can fix. SPF and DKIM are evaluated
/// by the caller; this class only asks DNS for the policy record. Thread-safe when the random source is.
/// </summary>
public sealed class DmarcEvaluator
{
    private readonly ICheckDns _dns;
    private readonly PublicSuffixList _psl;
    private readonly Func<double> _random;

    /// <param name="random">Uniform in [0, 1); pct=N applies the policy when it returns less than N/100.</param>
    public DmarcEvaluator(ICheckDns dns, PublicSuffixList psl, Func<double>? random = null)
    {
        _dns = dns;
        _psl = psl;
        _random = random ?? Random.Shared.NextDouble;
    }

    public async Task<DmarcOutcome> EvaluateAsync(string authorDomain, string? spfDomain, bool spfPass, IReadOnlyList<DkimSignatureResult> dkim, CancellationToken ct)
    {
        var author = Normalize(authorDomain);
        var (found, policyDomain, problem) = await DiscoverAsync(author, ct).ConfigureAwait(false);
        if (found is null)
        {
            // Alignment is still worth reporting (Authentication-Results comments, logs); with no record, relaxed.
            return new DmarcOutcome(problem?.Result ?? DmarcResult.None, DmarcPolicy.None, DmarcPolicy.None, author, policyDomain,
                SpfAligned(author, spfDomain, spfPass, DmarcAlignment.Relaxed), DkimAligned(author, dkim, DmarcAlignment.Relaxed), [])
            {
                Reason = problem?.Reason,
            };
        }

        var record = DmarcRecord.Parse(found, out var error);
        if (record is null)
        {
            return new DmarcOutcome(DmarcResult.PermError, DmarcPolicy.None, DmarcPolicy.None, author, policyDomain,
                SpfAligned(author, spfDomain, spfPass, DmarcAlignment.Relaxed), DkimAligned(author, dkim, DmarcAlignment.Relaxed), [])
            {
                Reason = $"unusable DMARC record at _dmarc.{policyDomain}: {error}",
            };
        }

        var spfAligned = SpfAligned(author, spfDomain, spfPass, record.SpfAlignment);
        var dkimAligned = DkimAligned(author, dkim, record.DkimAlignment);
        // sp= applies only to a subdomain that had no record of its own; its policy came from the org domain.
        var published = policyDomain != author && record.SubdomainPolicy is { } sp ? sp : record.Policy;

        if (spfAligned || dkimAligned)
        {
            return new DmarcOutcome(DmarcResult.Pass, DmarcPolicy.None, published, author, policyDomain, spfAligned, dkimAligned, record.AggregateUris)
            {
                Record = record,
                Reason = record.PolicyDefaulted ? "record without a valid p=, read as p=none" : null,
            };
        }

        var sampledIn = record.Percent >= 100 || (record.Percent > 0 && _random() * 100 < record.Percent);
        // Section 6.6.4: a message left out by pct= gets the next less stringent policy, so reject becomes quarantine.
        var applied = sampledIn ? published : published switch
        {
            DmarcPolicy.Reject => DmarcPolicy.Quarantine,
            _ => DmarcPolicy.None,
        };

        return new DmarcOutcome(DmarcResult.Fail, applied, published, author, policyDomain, false, false, record.AggregateUris)
        {
            Record = record,
            SampledOut = !sampledIn,
            Reason = record.PolicyDefaulted ? "record without a valid p=, read as p=none" : null,
        };
    }

    /// <summary>
    /// The RFC5322.From domain DMARC is about, or null when there is none to evaluate: RFC 7489 section 6.6.1 wants
    /// exactly one From field with exactly one address; a message with none or several is one the caller treats as
    /// permerror (or rejects outright as malformed), never as a DMARC pass.
    /// </summary>
    public static string? AuthorDomain(MimeMessage message) => AuthorDomain(message, out _);

    /// <inheritdoc cref="AuthorDomain(MimeMessage)"/>
    /// <param name="problem">Why there is no author domain, for the log and Authentication-Results.</param>
    public static string? AuthorDomain(MimeMessage message, out string? problem) =>
        AuthorDomain(message.Headers.Count(h => h.Id == HeaderId.From), () => message.From, out problem);

    /// <inheritdoc cref="AuthorDomain(MimeMessage, out string?)"/>
    /// <param name="fields">The message's header fields as stored, for a message that is not parsed whole.</param>
    public static string? AuthorDomain(IReadOnlyList<Dkim.RawHeaderField> fields, out string? problem)
    {
        var from = fields.Where(f => f.Name.Equals("From", StringComparison.OrdinalIgnoreCase)).ToList();
        return AuthorDomain(from.Count, () =>
        {
            var value = from[0].Bytes.Span;
            value = value[(value.IndexOf((byte)':') + 1)..];
            return InternetAddressList.TryParse(ParserOptions.Default, value.ToArray(), out var list) ? list : [];
        }, out problem);
    }

    private static string? AuthorDomain(int fields, Func<InternetAddressList> from, out string? problem)
    {
        if (fields != 1)
        {
            problem = fields == 0 ? "no From field" : $"{fields} From fields";
            return null;
        }

        var mailboxes = from().Mailboxes.ToList();
        if (mailboxes.Count != 1)
        {
            problem = mailboxes.Count == 0 ? "From has no address" : $"From has {mailboxes.Count} addresses";
            return null;
        }

        var domain = mailboxes[0].Domain;
        if (string.IsNullOrWhiteSpace(domain))
        {
            problem = "From address has no domain";
            return null;
        }

        problem = null;
        return Normalize(domain);
    }

    private async Task<(string? Record, string? PolicyDomain, (DmarcResult Result, string Reason)? Problem)> DiscoverAsync(string author, CancellationToken ct)
    {
        var atAuthor = await FetchAsync(author, ct).ConfigureAwait(false);
        if (atAuthor.Problem is not null || atAuthor.Record is not null) return (atAuthor.Record, author, atAuthor.Problem);

        var organizational = _psl.OrganizationalDomain(author);
        if (organizational == author) return (null, null, null);

        var atOrg = await FetchAsync(organizational, ct).ConfigureAwait(false);
        return (atOrg.Record, atOrg.Record is null && atOrg.Problem is null ? null : organizational, atOrg.Problem);
    }

    /// <summary>The one DMARC record at <c>_dmarc.domain</c>; neither record nor problem means "none here, look on".</summary>
    private async Task<(string? Record, (DmarcResult, string)? Problem)> FetchAsync(string domain, CancellationToken ct)
    {
        var name = "_dmarc." + domain;
        var answer = await _dns.TxtAsync(name, ct).ConfigureAwait(false);
        if (answer.Status == DnsStatus.TempError) return (null, (DmarcResult.TempError, $"temporary DNS failure for {name}"));
        if (answer.Status != DnsStatus.Ok) return (null, null);

        var records = answer.Records.Where(DmarcRecord.IsDmarc).ToList();
        return records.Count switch
        {
            0 => (null, null),
            1 => (records[0], null),
            // Section 6.6.3 step 4: several records end discovery; no fallback to the organizational domain.
            _ => (null, (DmarcResult.None, $"{records.Count} DMARC records at {name}")),
        };
    }

    private bool SpfAligned(string author, string? spfDomain, bool spfPass, DmarcAlignment mode) =>
        spfPass && !string.IsNullOrWhiteSpace(spfDomain) && Aligned(Normalize(spfDomain), author, mode);

    private bool DkimAligned(string author, IReadOnlyList<DkimSignatureResult> dkim, DmarcAlignment mode) =>
        dkim.Any(r => r.Result == DkimResult.Pass && r.Domain.Length > 0 && Aligned(Normalize(r.Domain), author, mode));

    private bool Aligned(string identifier, string author, DmarcAlignment mode) =>
        identifier == author || (mode == DmarcAlignment.Relaxed && _psl.OrganizationalDomain(identifier) == _psl.OrganizationalDomain(author));

    private static string Normalize(string domain)
    {
        var name = domain.Trim();
        if (name.EndsWith('.')) name = name[..^1];
        if (name.Any(c => c > 0x7f))
        {
            try
            {
                name = new IdnMapping().GetAscii(name);
            }
            catch (ArgumentException)
            {
                // Not a valid IDN; compared as written, it can still fail to align, which is the safe outcome.
            }
        }

        return name.ToLowerInvariant();
    }
}
