using System.Collections.Concurrent;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// MimeKit's key locator over <see cref="ICheckDns"/>, for <see cref="DkimVerifier"/> and <see cref="ArcVerifier"/>.
/// One instance serves one message: it remembers each (domain, selector) it fetched, so the checker's own look at a
/// key and MimeKit's fetch of it cost one DNS question, and it counts the keys it handed out, which tells a body-hash
/// mismatch (MimeKit stops before asking for the key) from a signature mismatch.
/// </summary>
public sealed class DnsDkimPublicKeyLocator : DkimPublicKeyLocatorBase
{
    private readonly ICheckDns _dns;
    private readonly ConcurrentDictionary<string, Task<DkimKeyLookup>> _lookups = new(StringComparer.OrdinalIgnoreCase);
    private int _served;
    private int _tempErrors;

    public DnsDkimPublicKeyLocator(ICheckDns dns)
    {
        _dns = dns;
    }

    /// <summary>Keys handed to MimeKit so far.</summary>
    public int Served => Volatile.Read(ref _served);

    /// <summary>Whether any key fetch met a transient DNS failure (ARC reports it; MimeKit only sees an exception).</summary>
    public bool SawTempError => Volatile.Read(ref _tempErrors) > 0;

    /// <summary>The key record at <c>selector._domainkey.domain</c>, fetched once per locator.</summary>
    public Task<DkimKeyLookup> LookupAsync(string domain, string selector, CancellationToken ct) =>
        _lookups.GetOrAdd(selector + "._domainkey." + domain, name => FetchAsync(name, ct));

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (!SupportsDnsTxt(methods))
            throw new DkimKeyException(DkimResult.PermError, $"no supported query method in q={methods}");
        var lookup = await LookupAsync(domain, selector, cancellationToken).ConfigureAwait(false);
        return Hand(lookup);
    }

    /// <summary>
    /// MimeKit's synchronous path, which the checkers never take (they call VerifyAsync). A key already fetched is
    /// served; anything else would have to block on DNS, so it is refused rather than waited for.
    /// </summary>
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (_lookups.TryGetValue(selector + "._domainkey." + domain, out var task) && task.IsCompletedSuccessfully)
            return Hand(task.Result);
        throw new NotSupportedException("DNS key lookups are asynchronous only; use VerifyAsync.");
    }

    internal static bool SupportsDnsTxt(string? methods) =>
        methods is null || TagList.SplitList(methods).Any(m => m.Equals("dns/txt", StringComparison.OrdinalIgnoreCase) || m.Equals("dns", StringComparison.OrdinalIgnoreCase));

    private AsymmetricKeyParameter Hand(DkimKeyLookup lookup)
    {
        if (lookup.Record is not { } record) throw new DkimKeyException(lookup.Failure, lookup.Reason ?? "no key");
        if (record.Key is null) throw new DkimKeyException(DkimResult.PermError, "key revoked (empty p=)");
        if (!record.AllowsEmail) throw new DkimKeyException(DkimResult.PermError, "key not for email (s=)");
        Interlocked.Increment(ref _served);
        return record.Key;
    }

    private async Task<DkimKeyLookup> FetchAsync(string name, CancellationToken ct)
    {
        var answer = await _dns.TxtAsync(name, ct).ConfigureAwait(false);
        switch (answer.Status)
        {
            case DnsStatus.TempError:
                Interlocked.Increment(ref _tempErrors);
                return new DkimKeyLookup(DkimResult.TempError, null, $"temporary DNS failure for {name}");
            case DnsStatus.NxDomain:
            case DnsStatus.NoData:
                return new DkimKeyLookup(DkimResult.PermError, null, $"no key record at {name}");
        }

        // RFC 6376 3.6.2.2 leaves several TXT records undefined; the first one that is a key record is used, as the
        // common verifiers do, and only when none is does the first one's fault become the reason.
        string? firstError = null;
        foreach (var txt in answer.Records)
        {
            var record = DkimKeyRecordCache.Parse(txt, out var error);
            if (record is not null) return DkimKeyLookup.Found(record);
            firstError ??= error;
        }

        return new DkimKeyLookup(DkimResult.PermError, null, $"bad key record at {name}: {firstError}");
    }
}
