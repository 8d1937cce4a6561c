using ActorMTA.Protocol.Bounces;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Inbound;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// The actormta.bounces section: the operator's extra-rules and the shipped rules (bounce-rules.conf), built into
/// one classifier with the operator's first, and the VERP return-path settings. Read once; immutable.
/// </summary>
public sealed record BounceRulesSettings
{
    public const string Path = "actormta.bounces";

    public IReadOnlyList<BounceRule> ExtraRules { get; init; } = [];
    public IReadOnlyList<BounceRule> ShippedRules { get; init; } = [];

    /// <summary>Operator rules, then shipped rules, then the RFC 3463 fallback.</summary>
    public BounceClassifier Classifier { get; init; } = BounceClassifier.Fallback;

    public bool Verp { get; init; }
    public string VerpLocalPart { get; init; } = "bounces";

    /// <summary>Null: the primary local domain, which only the running server knows (accounts.primary-domain resolved).</summary>
    public string? VerpDomain { get; init; }

    /// <summary>The VERP encoder for return paths at <see cref="VerpDomain"/>, or at <paramref name="primaryDomain"/> when none is set.</summary>
    public VerpAddress VerpAddressFor(string primaryDomain) => new(VerpLocalPart, VerpDomain ?? primaryDomain);

    /// <summary>Feedback-loop addresses (actormta.bounces.feedback-addresses), lower case: ARF complaints arrive there.</summary>
    public IReadOnlyList<string> FeedbackAddresses { get; init; } = [];

    private static readonly HashSet<string> SectionKeys = new(StringComparer.Ordinal)
        { "rules", "extra-rules", "verp", "verp-local-part", "verp-domain", "feedback-addresses" };
    private static readonly HashSet<string> RuleKeys = new(StringComparer.Ordinal) { "category", "code", "status", "text", "source" };

    public static BounceRulesSettings FromConfig(Config root)
    {
        if (root.HasPath(Path) && root.GetValue(Path) is { } section)
        {
            if (!section.IsObject()) throw new ConfigurationException($"{Path} must be an object");
            HoconReading.RejectUnknownKeys(section, SectionKeys, Path);
        }
        var c = root.GetConfig(Path) ?? ConfigurationFactory.Empty;
        var extra = ReadRules(c, "extra-rules", $"{Path}.extra-rules");
        var shipped = ReadRules(c, "rules", $"{Path}.rules");

        var localPart = c.HasPath("verp-local-part") ? c.GetString("verp-local-part").Trim() : "bounces";
        var domain = c.HasPath("verp-domain") ? c.GetString("verp-domain").Trim() : "";
        VerpAddress verp;
        try { verp = new VerpAddress(localPart, domain.Length == 0 ? "placeholder.invalid" : domain); }
        catch (ArgumentException e) { throw new ConfigurationException($"{Path}.verp-local-part / verp-domain: {e.Message}"); }
        // Found at start-up rather than as a failed encoding of every message.
        if (verp.MaxQueueIdLength < QueueIdGenerator.Length)
            throw new ConfigurationException($"{Path}.verp-local-part: '{localPart}' is too long; with a queue id and a recipient hash the return path would pass {VerpAddress.MaxLocalPartLength} octets");

        var feedback = new List<string>();
        foreach (var address in c.HasPath("feedback-addresses") ? c.GetStringList("feedback-addresses") ?? [] : [])
        {
            var a = address.Trim();
            var at = a.LastIndexOf('@');
            if (at <= 0 || at == a.Length - 1 || a.Any(char.IsWhiteSpace))
                throw new ConfigurationException($"{Path}.feedback-addresses: '{address}' is not an address (local@domain)");
            feedback.Add(a.ToLowerInvariant());
        }

        return new BounceRulesSettings
        {
            FeedbackAddresses = feedback,
            ExtraRules = extra,
            ShippedRules = shipped,
            Classifier = BounceClassifier.Of(extra, shipped),
            Verp = c.HasPath("verp") && c.GetBoolean("verp"),
            VerpLocalPart = localPart,
            VerpDomain = domain.Length == 0 ? null : domain,
        };
    }

    /// <summary>The list at <paramref name="path"/>; an error names the rule by its index and, when it has one, its source.</summary>
    public static IReadOnlyList<BounceRule> ReadRules(Config c, string path, string fullPath)
    {
        if (!c.HasPath(path)) return [];
        IList<HoconValue> items;
        // Akka's IsArray() is false for an empty list, so asking for the list is the test.
        var value = c.GetValue(path);
        if (value.IsObject()) throw new ConfigurationException($"{fullPath} must be a list of rules");
        try { items = value.GetArray(); }
        catch (Exception e) when (e is not ConfigurationException) { throw new ConfigurationException($"{fullPath} must be a list of rules"); }
        var rules = new List<BounceRule>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{fullPath}[{i}]";
            var rule = HoconReading.AsConfig(items[i], at);
            var source = rule.HasPath("source") ? rule.GetString("source") : null;
            if (source is not null) at += $" (source \"{source}\")";
            HoconReading.RejectUnknownKeys(items[i], RuleKeys, at);
            var categoryName = rule.HasPath("category") ? rule.GetString("category").Trim() : null;
            if (categoryName is null || !Enum.TryParse<BounceCategory>(categoryName, ignoreCase: true, out var category) || int.TryParse(categoryName, out _))
                throw new ConfigurationException($"{at}.category: '{categoryName}' is not one of {string.Join(", ", Enum.GetNames<BounceCategory>())}");
            try
            {
                rules.Add(new BounceRule(
                    category,
                    rule.HasPath("code") ? rule.GetString("code") : null,
                    rule.HasPath("status") ? rule.GetString("status") : null,
                    rule.HasPath("text") ? rule.GetString("text") : null,
                    source ?? ""));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"{at}: {e.Message}");
            }
        }
        return rules;
    }
}
