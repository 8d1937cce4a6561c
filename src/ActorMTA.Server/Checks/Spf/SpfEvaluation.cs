using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorMTA.Server.Checks.Spf;

/// <summary>
/// One run of check_host() (RFC 7208 section 4) with everything its nested includes and redirects share: the client,
/// the sender, the DNS lookup and void lookup counts of section 4.6.4, and the cancellation that carries the overall
/// timeout. Temperrors and permerrors are thrown as <see cref="SpfAbortException"/> because they end the whole
/// evaluation from whatever depth they arise at.
/// </summary>
internal sealed class SpfEvaluation
{
    private readonly ICheckDns _dns;
    private readonly SpfOptions _options;
    private readonly IPAddress _ip;
    private readonly SpfMacroContext _macros;
    private readonly CancellationToken _ct;
    private readonly CancellationToken _callerCt;
    private int _lookups;
    private int _voids;

    public SpfEvaluation(ICheckDns dns, SpfOptions options, IPAddress ip, SpfMacroContext macros, CancellationToken ct, CancellationToken callerCt)
    {
        _dns = dns;
        _options = options;
        _ip = ip;
        _macros = macros;
        _ct = ct;
        _callerCt = callerCt;
    }

    private bool IsIp6 => _ip.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>check_host() for <paramref name="domain"/>. <paramref name="explain"/> is false inside include,
    /// whose exp= is never used (section 6.2), so its TXT lookup is not made.</summary>
    public async Task<SpfVerdict> CheckHostAsync(string domain, bool explain)
    {
        if (!SpfDomainName.IsCheckable(domain, out var name)) return SpfVerdict.None($"\"{domain}\" is not a valid domain name");
        var record = await RecordAsync(name).ConfigureAwait(false);
        if (record is null) return SpfVerdict.None($"no SPF record at {name}");
        var macros = _macros with { Domain = name, ValidatedName = _ => ValidatedNameAsync(name) };
        foreach (var directive in record.Directives)
        {
            if (!await MatchesAsync(directive, name, macros).ConfigureAwait(false)) continue;
            var explanation = directive.Qualifier == SpfResult.Fail && explain && record.Explanation is not null
                ? await ExplainAsync(record.Explanation, macros).ConfigureAwait(false)
                : null;
            return new SpfVerdict(directive.Qualifier, directive.Mechanism, explanation, null);
        }
        // A record with "all" never gets here, which is how section 6.1's "redirect is ignored when there is an all
        // mechanism" comes about.
        if (record.Redirect is not null)
        {
            CountLookup("redirect=" + record.Redirect.Text);
            var target = await ExpandAsync(record.Redirect, macros).ConfigureAwait(false);
            var inner = await CheckHostAsync(SpfDomainName.ForQuery(target) ?? target, explain).ConfigureAwait(false);
            // Section 6.1: where the target has no record, or is no valid domain, the result is permerror, not none.
            if (inner.Result == SpfResult.None) throw SpfAbortException.Perm($"redirect={record.Redirect.Text}: {inner.Problem}");
            return inner;
        }
        return new SpfVerdict(SpfResult.Neutral, "default", null, null);
    }

    private async Task<SpfRecord?> RecordAsync(string name)
    {
        var answer = await AskAsync(_dns.TxtAsync(name, _ct)).ConfigureAwait(false);
        if (answer.Status == DnsStatus.TempError) throw SpfAbortException.Temp($"DNS error looking up TXT {name}");
        var spf = answer.Records.Where(SpfRecord.IsSpf).ToList();
        if (spf.Count == 0) return null;
        if (spf.Count > 1) throw SpfAbortException.Perm($"{spf.Count} v=spf1 records at {name}");
        if (!SpfRecord.TryParse(spf[0], out var record, out var error)) throw SpfAbortException.Perm($"syntax error in the record of {name}: {error}");
        return record;
    }

    private async Task<bool> MatchesAsync(SpfDirective d, string domain, SpfMacroContext macros)
    {
        switch (d.Kind)
        {
            case SpfMechanismKind.All:
                return true;
            case SpfMechanismKind.Ip4:
                return SpfNetwork.Contains(d.Network!, d.Ip4Prefix, _ip);
            case SpfMechanismKind.Ip6:
                return SpfNetwork.Contains(d.Network!, d.Ip6Prefix, _ip);
        }

        CountLookup(d.Mechanism);
        var expanded = d.DomainSpec is null ? domain : await ExpandAsync(d.DomainSpec, macros).ConfigureAwait(false);
        if (d.Kind == SpfMechanismKind.Include)
        {
            var inner = await CheckHostAsync(SpfDomainName.ForQuery(expanded) ?? expanded, explain: false).ConfigureAwait(false);
            // Section 5.2 table: only pass matches; fail, softfail and neutral do not; none is a permerror
            // (temperror and permerror have already been thrown from inside).
            return inner.Result switch
            {
                SpfResult.Pass => true,
                SpfResult.None => throw SpfAbortException.Perm($"{d.Mechanism}: {inner.Problem}"),
                _ => false,
            };
        }

        // A target that cannot be a DNS name (an odd local part in %{l}, say) cannot have records: no match, and no query.
        var target = SpfDomainName.ForQuery(expanded);
        if (target is null) return false;
        switch (d.Kind)
        {
            case SpfMechanismKind.A:
                return await AddressMatchesAsync(target, d, countVoid: true).ConfigureAwait(false);
            case SpfMechanismKind.Mx:
                return await MxMatchesAsync(target, d).ConfigureAwait(false);
            case SpfMechanismKind.Ptr:
                return await PtrMatchesAsync(target).ConfigureAwait(false);
            case SpfMechanismKind.Exists:
            {
                // Always an A question, whatever the client's address family (section 5.7).
                var answer = await AskAsync(_dns.AAsync(target, _ct)).ConfigureAwait(false);
                if (answer.Status == DnsStatus.TempError) throw SpfAbortException.Temp($"DNS error looking up A {target} for {d.Mechanism}");
                if (answer.Status == DnsStatus.Ok) return true;
                CountVoid(d.Mechanism);
                return false;
            }
            default:
                throw new InvalidOperationException($"mechanism {d.Kind}");
        }
    }

    private async Task<bool> AddressMatchesAsync(string name, SpfDirective d, bool countVoid)
    {
        var answer = await AskAsync(IsIp6 ? _dns.AaaaAsync(name, _ct) : _dns.AAsync(name, _ct)).ConfigureAwait(false);
        if (answer.Status == DnsStatus.TempError) throw SpfAbortException.Temp($"DNS error looking up {(IsIp6 ? "AAAA" : "A")} {name} for {d.Mechanism}");
        if (answer.Status != DnsStatus.Ok)
        {
            if (countVoid) CountVoid(d.Mechanism);
            return false;
        }
        var prefix = IsIp6 ? d.Ip6Prefix : d.Ip4Prefix;
        return answer.Records.Any(a => SpfNetwork.Contains(a, prefix, _ip));
    }

    private async Task<bool> MxMatchesAsync(string name, SpfDirective d)
    {
        var mx = await AskAsync(_dns.MxAsync(name, _ct)).ConfigureAwait(false);
        if (mx.Status == DnsStatus.TempError) throw SpfAbortException.Temp($"DNS error looking up MX {name} for {d.Mechanism}");
        if (mx.Status != DnsStatus.Ok)
        {
            CountVoid(d.Mechanism);
            return false;
        }
        if (mx.Records.Count > _options.MaxMxNames)
            throw SpfAbortException.Perm($"{d.Mechanism}: {name} has {mx.Records.Count} MX records, more than {_options.MaxMxNames}");
        foreach (var exchange in mx.Records.OrderBy(r => r.Preference).Select(r => SpfDomainName.ForQuery(r.Exchange)))
        {
            // A null MX (RFC 7505, exchange ".") names no host.
            if (exchange is null) continue;
            if (await AddressMatchesAsync(exchange, d, countVoid: false).ConfigureAwait(false)) return true;
        }
        return false;
    }

    private async Task<bool> PtrMatchesAsync(string target)
    {
        // Section 5.5: only names under the target can match, so only those are validated, which saves their lookups.
        foreach (var name in await PtrNamesAsync(countVoid: true).ConfigureAwait(false))
            if (SpfDomainName.IsSameOrSubdomain(name, target) && await IsValidatedAsync(name).ConfigureAwait(false)) return true;
        return false;
    }

    /// <summary>%{p}: the validated name that is the domain, else one under it, else any (section 7.3); "unknown" if none.</summary>
    private async Task<string> ValidatedNameAsync(string domain)
    {
        var names = await PtrNamesAsync(countVoid: false).ConfigureAwait(false);
        var ordered = names.OrderBy(n => n.Equals(domain, StringComparison.OrdinalIgnoreCase) ? 0 : SpfDomainName.IsSameOrSubdomain(n, domain) ? 1 : 2);
        foreach (var name in ordered)
            if (await IsValidatedAsync(name).ConfigureAwait(false)) return name;
        return "unknown";
    }

    /// <summary>The client's PTR names, at most <see cref="SpfOptions.MaxPtrNames"/>; a DNS error gives none, as
    /// section 5.5 says a PTR lookup error makes ptr not match rather than temperror.</summary>
    private async Task<IReadOnlyList<string>> PtrNamesAsync(bool countVoid)
    {
        var answer = await AskAsync(_dns.PtrAsync(_ip, _ct)).ConfigureAwait(false);
        if (answer.Status is DnsStatus.NxDomain or DnsStatus.NoData && countVoid) CountVoid("ptr");
        return answer.Status == DnsStatus.Ok ? answer.Records.Take(_options.MaxPtrNames).Select(n => n.TrimEnd('.')).ToList() : [];
    }

    /// <summary>Whether a PTR name's forward addresses include the client: what makes it "validated". Errors skip
    /// the name (section 5.5).</summary>
    private async Task<bool> IsValidatedAsync(string name)
    {
        var target = SpfDomainName.ForQuery(name);
        if (target is null) return false;
        var answer = await AskAsync(IsIp6 ? _dns.AaaaAsync(target, _ct) : _dns.AAsync(target, _ct)).ConfigureAwait(false);
        return answer.Status == DnsStatus.Ok && answer.Records.Any(a => a.Equals(_ip));
    }

    /// <summary>The exp= text for a fail (section 6.2). Any trouble means no explanation, never a different result;
    /// that includes the overall timeout running out now that the result is known.</summary>
    private async Task<string?> ExplainAsync(SpfMacroString spec, SpfMacroContext macros)
    {
        try
        {
            var name = SpfDomainName.ForQuery(await spec.ExpandAsync(macros, _ct).ConfigureAwait(false));
            if (name is null) return null;
            var answer = await AskAsync(_dns.TxtAsync(name, _ct)).ConfigureAwait(false);
            if (answer.Status != DnsStatus.Ok || answer.Records.Count != 1) return null;
            if (!SpfMacroString.TryParse(answer.Records[0], explanation: true, out var text, out _)) return null;
            return Printable(await text!.ExpandAsync(macros, _ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!_callerCt.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The explanation goes into an SMTP reply, and %{s}, %{l} and %{h} put client data in it.</summary>
    private static string Printable(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(c is >= ' ' and <= '~' ? c : '?');
        return sb.ToString();
    }

    private ValueTask<string> ExpandAsync(SpfMacroString spec, SpfMacroContext macros) => spec.ExpandAsync(macros, _ct);

    private void CountLookup(string term)
    {
        if (++_lookups > _options.MaxDnsLookups)
            throw SpfAbortException.Perm($"{term}: more than {_options.MaxDnsLookups} DNS-querying terms");
    }

    private void CountVoid(string term)
    {
        if (++_voids > _options.MaxVoidLookups)
            throw SpfAbortException.Perm($"{term}: more than {_options.MaxVoidLookups} void DNS lookups");
    }

    /// <summary>Every question waits on the evaluation's token, so the overall timeout holds even over a resolver that ignores cancellation.</summary>
    private Task<DnsAnswer<T>> AskAsync<T>(Task<DnsAnswer<T>> question) => question.WaitAsync(_ct);
}
