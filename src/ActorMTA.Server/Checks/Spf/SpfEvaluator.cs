using System.Net;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// Evaluates SPF (RFC 7208) for an SMTP client: the policy only, every DNS question through <see cref="ICheckDns"/>.
/// Thread-safe and stateless between checks; each check has its own lookup counts and timeout.
/// </summary>
public sealed class SpfEvaluator
{
    private readonly ICheckDns _dns;
    private readonly SpfOptions _options;

    public SpfEvaluator(ICheckDns dns, SpfOptions options)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        _dns = dns;
        _options = options;
    }

    /// <summary>
    /// check_host(ip, domain, sender) of RFC 7208 section 4. <paramref name="helo"/> is the HELO/EHLO name, for
    /// %{h}. A domain that is not a valid multi-label name gives none without any DNS question (section 4.3). The
    /// overall <see cref="SpfOptions.Timeout"/> running out gives temperror; <paramref name="ct"/> being cancelled
    /// throws, as the caller no longer wants an answer.
    /// </summary>
    public async Task<SpfOutcome> CheckHostAsync(IPAddress ip, string domain, string sender, string helo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ip);
        domain ??= "";
        // An IPv4 client seen through a dual-stack socket is still an IPv4 client: ip4, A lookups and %{i} apply.
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (!SpfDomainName.IsCheckable(domain, out var name))
            return new SpfOutcome(SpfResult.None, domain, null, null, $"\"{domain}\" is not a valid domain name");

        var (fullSender, local, senderDomain) = SpfIdentity.Split(sender, name);
        var macros = new SpfMacroContext
        {
            Sender = fullSender,
            LocalPart = local,
            SenderDomain = senderDomain,
            Domain = name,
            Ip = ip,
            Helo = helo ?? "",
            Receiver = _options.ReceiverHost,
            Now = _options.Time.GetUtcNow(),
        };
        using var timeout = new CancellationTokenSource(_options.Timeout, _options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var evaluation = new SpfEvaluation(_dns, _options, ip, macros, linked.Token, ct);
        try
        {
            var verdict = await evaluation.CheckHostAsync(name, explain: true).ConfigureAwait(false);
            return new SpfOutcome(verdict.Result, name, verdict.Explanation, verdict.Mechanism, verdict.Problem);
        }
        catch (SpfAbortException e)
        {
            return new SpfOutcome(e.Result, name, null, null, e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new SpfOutcome(SpfResult.TempError, name, null, null, $"SPF evaluation took longer than {_options.Timeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>The MAIL FROM identity (section 2.4): the reverse-path's domain, or postmaster@<paramref name="helo"/>
    /// when the reverse-path is null ("&lt;&gt;") or has no domain.</summary>
    public Task<SpfOutcome> CheckMailFromAsync(IPAddress ip, string mailFrom, string helo, CancellationToken ct)
    {
        var (sender, domain) = SpfIdentity.MailFrom(mailFrom, helo);
        return CheckHostAsync(ip, domain, sender, helo, ct);
    }

    /// <summary>The HELO identity (section 2.3): the HELO/EHLO name, sender postmaster@ that name. An address
    /// literal or a single-label name gives none.</summary>
    public Task<SpfOutcome> CheckHeloAsync(IPAddress ip, string helo, CancellationToken ct)
    {
        var (sender, domain) = SpfIdentity.Helo(helo);
        return CheckHostAsync(ip, domain, sender, helo, ct);
    }
}
