using System.Globalization;
using ActorMTA.Server.Checks.Dkim;
using MimeKit;
using MimeKit.Cryptography;

namespace ActorMTA.Server.Checks.Arc;

/// <summary>
/// ARC chain validation (RFC 8617 section 5.2) with MimeKit's <see cref="ArcVerifier"/> and the same DNS key locator
/// as DKIM. MimeKit checks the set structure, instance numbering, cv= values, the newest ARC-Message-Signature and
/// every ARC-Seal; this class turns its answer into an <see cref="ArcOutcome"/> and reads what the first hop recorded.
/// ARC has no temperror: a key that DNS could not fetch fails the chain (MimeKit catches the exception), and
/// <see cref="ArcOutcome.DnsTempError"/> tells that apart. Stateless and thread-safe.
/// </summary>
public sealed class ArcChecker
{
    private readonly ICheckDns _dns;

    public ArcChecker(ICheckDns dns)
    {
        _dns = dns;
    }

    public async Task<ArcOutcome> VerifyAsync(MimeMessage message, CancellationToken ct)
    {
        if (!message.Headers.Any(IsArcHeader)) return ArcOutcome.None;

        var locator = new DnsDkimPublicKeyLocator(_dns);
        var verifier = new ArcVerifier(locator) { MinimumRsaKeyLength = DkimChecker.MinimumRsaBits };
        var validation = await verifier.VerifyAsync(message, ct).ConfigureAwait(false);
        // MimeKit turns every exception inside a signature check into a failed seal, cancellation included.
        ct.ThrowIfCancellationRequested();

        var (instances, sealers) = Seals(message);
        var origin = Origin(message);
        var result = validation.Chain switch
        {
            ArcSignatureValidationResult.Pass => ArcResult.Pass,
            ArcSignatureValidationResult.Fail => ArcResult.Fail,
            _ => ArcResult.None,
        };

        string? reason = null;
        if (result == ArcResult.Fail)
        {
            reason = validation.ChainErrors == ArcValidationErrors.None ? "chain did not validate" : validation.ChainErrors.ToString();
            if (locator.SawTempError) reason += "; temporary DNS failure fetching a key";
        }

        return new ArcOutcome(result, instances, reason)
        {
            Sealers = sealers,
            OriginAuthServId = origin?.AuthenticationServiceIdentifier,
            OriginDmarc = MethodResult(origin, "dmarc"),
            OriginSpf = MethodResult(origin, "spf"),
            OriginDkim = MethodResult(origin, "dkim"),
            DnsTempError = locator.SawTempError,
        };
    }

    private static bool IsArcHeader(Header h) =>
        h.Id is HeaderId.ArcSeal or HeaderId.ArcMessageSignature or HeaderId.ArcAuthenticationResults;

    private static (int Instances, IReadOnlyList<string> Sealers) Seals(MimeMessage message)
    {
        var seals = new SortedDictionary<int, string>();
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.ArcSeal))
        {
            var tags = TagList.Parse(header.Value, StringComparer.Ordinal, out _);
            if (tags?["i"] is { } i && int.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var instance))
                seals.TryAdd(instance, (tags["d"] ?? "").ToLowerInvariant());
        }

        return (seals.Count == 0 ? 0 : seals.Keys.Max(), seals.Values.ToList());
    }

    private static AuthenticationResults? Origin(MimeMessage message)
    {
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.ArcAuthenticationResults))
        {
            if (AuthenticationResults.TryParse(header.RawValue, out var results) && results.Instance == 1) return results;
        }

        return null;
    }

    private static string? MethodResult(AuthenticationResults? results, string method) =>
        results?.Results.FirstOrDefault(r => r.Method.Equals(method, StringComparison.OrdinalIgnoreCase))?.Result;
}
