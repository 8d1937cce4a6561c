using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;

namespace ActorMTA.Server.Checks.Dkim;

/// <summary>
/// Inbound DKIM verification (RFC 6376, RFC 8463 ed25519, RFC 8301 algorithm and key-size rules) of every
/// DKIM-Signature field of a message, with keys from <see cref="ICheckDns"/>. MimeKit's <see cref="DkimVerifier"/>
/// does the canonicalization (simple/relaxed, l=) and the cryptography; this class does what MimeKit leaves out or
/// folds into a bare false: x= expiry, the key record's own rules (revocation, k=, h=, s=, t=s), and the split into
/// pass / fail / temperror / permerror that DMARC and Authentication-Results need.
/// <para>Accepted: rsa-sha256 and ed25519-sha256. rsa-sha1 is a permerror (RFC 8301 section 3.1: verifiers MUST
/// NOT consider it valid) and RSA keys under 1024 bits are a permerror (RFC 8301 section 3.2): neither is a
/// mismatch of the message, so neither is reported as "fail". Stateless and thread-safe.</para>
/// </summary>
public sealed class DkimChecker
{
    /// <summary>Signatures verified per message; more are reported neutral unchecked, so one message cannot make us
    /// ask DNS and hash its body without bound (RFC 6376 section 8.4 lets verifiers limit this).</summary>
    public const int MaxSignatures = 10;

    public const int MinimumRsaBits = 1024;

    private readonly ICheckDns _dns;
    private readonly TimeProvider _time;

    public DkimChecker(ICheckDns dns) : this(dns, TimeProvider.System)
    {
    }

    /// <summary>With a clock, so tests can place x= in the past without waiting.</summary>
    public DkimChecker(ICheckDns dns, TimeProvider time)
    {
        _dns = dns;
        _time = time;
    }

    /// <summary>One result per DKIM-Signature field, in header order; empty when the message is unsigned (dkim=none).</summary>
    public Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, CancellationToken ct) =>
        VerifyAsync(message, ReadOnlyMemory<byte>.Empty, ct);

    /// <summary>
    /// As <see cref="VerifyAsync(MimeMessage, CancellationToken)"/>, with the bytes <paramref name="message"/> was
    /// parsed from: rsa-sha256 signatures are then checked over them by <see cref="DkimRsaSha256Verifier"/>.
    /// </summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        var fields = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        var header = raw.IsEmpty || fields.Count == 0 ? ((List<RawHeaderField> Fields, int BodyStart)?)null : RawHeaderField.Split(raw);
        return await VerifyAllAsync(fields.Select(f => f.Value).ToList(), raw, header, index => (message, fields[index]), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="VerifyAsync(MimeMessage, CancellationToken)"/> over the stored bytes alone: the message is parsed
    /// (by <paramref name="parse"/>) only when a signature needs MimeKit's verifier, which rsa-sha256 does not.
    /// <paramref name="header"/> is <paramref name="raw"/> split already, when the caller has it.
    /// </summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(ReadOnlyMemory<byte> raw, Func<MimeMessage> parse, CancellationToken ct,
        (List<RawHeaderField> Fields, int BodyStart)? header = null)
    {
        var split = header ?? RawHeaderField.Split(raw);
        var values = split.Fields
            .Where(f => f.Name.Equals("DKIM-Signature", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.UnfoldedValue())
            .ToList();
        MimeMessage? parsed = null;
        return await VerifyAllAsync(values, raw, split, index =>
        {
            parsed ??= parse();
            return (parsed, parsed.Headers.Where(h => h.Id == HeaderId.DkimSignature).ElementAt(index));
        }, ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<DkimSignatureResult>> VerifyAllAsync(IReadOnlyList<string> values, ReadOnlyMemory<byte> raw,
        (List<RawHeaderField> Fields, int BodyStart)? header, Func<int, (MimeMessage Message, Header Field)> mimeKit, CancellationToken ct)
    {
        if (values.Count == 0) return [];

        var locator = new DnsDkimPublicKeyLocator(_dns);
        var verifier = new DkimVerifier(locator) { MinimumRsaKeyLength = MinimumRsaBits };
        var results = new List<DkimSignatureResult>(values.Count);
        foreach (var value in values)
        {
            if (results.Count >= MaxSignatures)
            {
                var (d, s, a) = Identity(value);
                results.Add(new(DkimResult.Neutral, d, s, a, $"not verified: more than {MaxSignatures} signatures"));
                continue;
            }

            results.Add(await VerifyOneAsync(value, raw, header, results.Count, mimeKit, locator, verifier, ct).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<DkimSignatureResult> VerifyOneAsync(string value, ReadOnlyMemory<byte> raw, (List<RawHeaderField> Fields, int BodyStart)? header, int index,
        Func<int, (MimeMessage Message, Header Field)> mimeKit,
        DnsDkimPublicKeyLocator locator, DkimVerifier verifier, CancellationToken ct)
    {
        var tags = TagList.Parse(value, StringComparer.Ordinal, out var syntax);
        if (tags is null)
        {
            var (d0, s0, a0) = Identity(value);
            return new(DkimResult.PermError, d0, s0, a0, "malformed signature: " + syntax);
        }

        var domain = (tags["d"] ?? "").ToLowerInvariant();
        var selector = tags["s"] ?? "";
        var algorithm = (tags["a"] ?? "").ToLowerInvariant();
        DkimSignatureResult Result(DkimResult r, string? why) => new(r, domain, selector, algorithm, why);

        if (CheckTags(tags, domain, selector, algorithm) is { } invalid) return Result(DkimResult.PermError, invalid);

        var lookup = await locator.LookupAsync(domain, selector, ct).ConfigureAwait(false);
        if (lookup.Record is not { } key) return Result(lookup.Failure, lookup.Reason);
        if (CheckKey(key, tags, domain, algorithm) is { } unusable) return Result(DkimResult.PermError, unusable);

        if (header is { } split && algorithm == "rsa-sha256" && key.HasRsaKey)
        {
            DkimRsaSha256Verifier.Outcome outcome;
            try
            {
                outcome = DkimRsaSha256Verifier.Verify(raw, split, index, tags, key);
            }
            catch (FormatException e)
            {
                return Result(DkimResult.PermError, "malformed signature: " + e.Message);
            }

            return outcome switch
            {
                DkimRsaSha256Verifier.Outcome.Pass => Result(DkimResult.Pass, key.Testing ? "key in testing mode (t=y)" : null),
                DkimRsaSha256Verifier.Outcome.BodyHashMismatch => Result(DkimResult.Fail, "body hash did not verify"),
                _ => Result(DkimResult.Fail, "signature did not verify"),
            };
        }

        var servedBefore = locator.Served;
        bool valid;
        try
        {
            var (message, field) = mimeKit(index);
            valid = await verifier.VerifyAsync(message, field, ct).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            return Result(DkimResult.PermError, "malformed signature: " + e.Message);
        }
        catch (DkimKeyException e)
        {
            return Result(e.Result, e.Message);
        }

        if (valid) return Result(DkimResult.Pass, key.Testing ? "key in testing mode (t=y)" : null);
        // MimeKit checks the body hash before it asks for the key: no key handed out means the body did not match.
        return Result(DkimResult.Fail, locator.Served == servedBefore ? "body hash did not verify" : "signature did not verify");
    }

    /// <summary>The signature field's own rules (RFC 6376 sections 3.5 and 6.1.1); null when they hold.</summary>
    private string? CheckTags(TagList tags, string domain, string selector, string algorithm)
    {
        if (tags["v"] != "1") return tags["v"] is null ? "no v= tag" : $"unsupported version v={tags["v"]}";
        foreach (var required in new[] { "a", "b", "bh", "d", "h", "s" })
        {
            if (string.IsNullOrWhiteSpace(tags[required])) return $"missing {required}= tag";
        }

        switch (algorithm)
        {
            case "rsa-sha256":
            case "ed25519-sha256":
                break;
            case "rsa-sha1":
                return "rsa-sha1 is not accepted (RFC 8301)";
            default:
                return $"unsupported algorithm a={algorithm}";
        }

        if (domain.Length == 0 || selector.Length == 0) return "empty d= or s=";
        if (!TagList.SplitList(tags["h"]!).Any(h => h.Equals("from", StringComparison.OrdinalIgnoreCase)))
            return "From is not signed (h=)";

        if (tags["c"] is { } c)
        {
            var parts = TagList.SplitList(c, '/');
            if (parts.Length > 2 || parts.Any(p => !p.Equals("simple", StringComparison.OrdinalIgnoreCase) && !p.Equals("relaxed", StringComparison.OrdinalIgnoreCase)))
                return $"unknown canonicalization c={c}";
        }

        if (tags["i"] is { } i)
        {
            var at = i.LastIndexOf('@');
            var idDomain = at < 0 ? null : i[(at + 1)..];
            if (idDomain is null || !(idDomain.Equals(domain, StringComparison.OrdinalIgnoreCase) || idDomain.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase)))
                return $"i={i} is not within d={domain}";
        }

        if (tags["l"] is { } l && !IsNumber(l, out _)) return $"invalid l={l}";
        if (tags["q"] is { } q && !DnsDkimPublicKeyLocator.SupportsDnsTxt(q)) return $"no supported query method in q={q}";

        long? signed = null;
        if (tags["t"] is { } t)
        {
            if (!IsNumber(t, out var value)) return $"invalid t={t}";
            signed = value;
        }

        if (tags["x"] is { } x)
        {
            if (!IsNumber(x, out var expires)) return $"invalid x={x}";
            if (signed is { } ts && expires < ts) return "x= is before t=";
            // RFC 6376 3.5 x=: the signature MUST be considered invalid once the verification time is past it.
            if (_time.GetUtcNow().ToUnixTimeSeconds() > expires) return "signature expired (x=)";
        }

        return null;
    }

    /// <summary>The key record's rules against this signature; null when the key may verify it.</summary>
    private static string? CheckKey(DkimKeyRecord key, TagList tags, string domain, string algorithm)
    {
        if (key.Revoked) return "key revoked (empty p=)";
        if (!key.AllowsEmail) return "key not for email (s=)";
        var expectedType = algorithm.StartsWith("ed25519", StringComparison.Ordinal) ? "ed25519" : "rsa";
        if (key.KeyType != expectedType) return $"key type k={key.KeyType} does not match a={algorithm}";
        if (!key.AllowsHash("sha256")) return "key does not allow sha256 (h=)";
        if (key.KeyType == "rsa" && key.RsaBits < MinimumRsaBits)
            return $"RSA key of {key.RsaBits} bits is shorter than {MinimumRsaBits} (RFC 8301)";
        if (key.StrictIdentity && tags["i"] is { } i && !i[(i.LastIndexOf('@') + 1)..].Equals(domain, StringComparison.OrdinalIgnoreCase))
            return "key requires i= domain to equal d= (t=s)";
        return null;
    }

    /// <summary>d=, s= and a= picked out of a field that may not parse, so even a broken signature names its signer.</summary>
    private static (string Domain, string Selector, string Algorithm) Identity(string value)
    {
        string Pick(string name)
        {
            foreach (var part in value.Split(';'))
            {
                var eq = part.IndexOf('=');
                if (eq > 0 && part[..eq].Trim() == name) return TagList.Compact(part[(eq + 1)..]);
            }

            return "";
        }

        return (Pick("d").ToLowerInvariant(), Pick("s"), Pick("a").ToLowerInvariant());
    }

    private static bool IsNumber(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
