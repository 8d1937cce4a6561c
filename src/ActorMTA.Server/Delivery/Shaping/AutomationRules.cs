using System.Text.RegularExpressions;
using ActorMTA.Protocol.Smtp;
using Akka.Configuration;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>The automation rules in force: the operator's (actormta.shaping.automation), then the shipped ones.</summary>
public sealed class AutomationRules(IReadOnlyList<AutomationRule> rules)
{
    public static readonly AutomationRules None = new([]);

    /// <summary>Long enough for any sane pattern on a reply of a few lines; short enough that a bad one cannot stall delivery.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    public IReadOnlyList<AutomationRule> Rules { get; } = rules;

    /// <summary>Every rule the reply triggers, in configuration order; all of them act.</summary>
    public IReadOnlyList<AutomationRule> Match(SmtpReply reply, string? provider) =>
        Rules.Where(r => r.Matches(reply, provider)).ToArray();

    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal)
    {
        "name", "match-code", "match-enhanced", "match-text", "provider", "scope", "action", "duration",
    };

    /// <summary>Reads the array at <paramref name="path"/> of <paramref name="c"/>; <paramref name="fullPath"/> names it in errors.</summary>
    public static IReadOnlyList<AutomationRule> Read(Config c, string path, string fullPath, IReadOnlySet<string> providers)
    {
        if (!c.HasPath(path)) return [];
        var value = c.GetValue(path);
        IList<Akka.Configuration.Hocon.HoconValue> items;
        // Akka's IsArray() is false for an empty list, so asking for the list is the test.
        try { items = value.GetArray(); }
        catch (Exception e) when (e is not ConfigurationException) { throw new ConfigurationException($"{fullPath} must be a list of rules"); }
        var rules = new List<AutomationRule>();
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{fullPath}[{i}]";
            var item = items[i];
            var rule = HoconReading.AsConfig(item, at);
            HoconReading.RejectUnknownKeys(item, Keys, at);
            try
            {
                rules.Add(ReadRule(rule, at, providers));
            }
            catch (FormatException e)
            {
                throw new ConfigurationException(e.Message);
            }
        }
        return rules;
    }

    private static AutomationRule ReadRule(Config rule, string at, IReadOnlySet<string> providers)
    {
        int? code = null;
        if (rule.HasPath("match-code"))
        {
            var text = rule.GetString("match-code");
            if (!int.TryParse(text, out var n) || n is < 200 or > 599)
                throw new ConfigurationException($"{at}.match-code: '{text}' is not an SMTP reply code");
            code = n;
        }
        var enhanced = rule.HasPath("match-enhanced") ? rule.GetString("match-enhanced").Trim() : null;
        if (enhanced is not null && !Regex.IsMatch(enhanced, @"^[245]\.\d{1,3}\.\d{1,3}$"))
            throw new ConfigurationException($"{at}.match-enhanced: '{enhanced}' is not an enhanced status code such as 4.7.28");
        Regex? textRegex = null;
        if (rule.HasPath("match-text"))
        {
            var pattern = rule.GetString("match-text");
            try { textRegex = new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout); }
            catch (ArgumentException e) { throw new ConfigurationException($"{at}.match-text: '{pattern}' is not a regular expression ({e.Message})"); }
        }
        if (code is null && enhanced is null && textRegex is null)
            throw new ConfigurationException($"{at}: needs at least one of match-code, match-enhanced, match-text (a rule without one would act on every reply)");

        var provider = rule.HasPath("provider") ? rule.GetString("provider").Trim() : null;
        if (provider is not null && !providers.Contains(provider))
            throw new ConfigurationException($"{at}.provider: '{provider}' is not in actormta.shaping.providers");

        var scope = (rule.HasPath("scope") ? rule.GetString("scope").Trim().ToLowerInvariant() : provider is null ? "site" : "provider") switch
        {
            "site" => AutomationScope.Site,
            "provider" => AutomationScope.Provider,
            var other => throw new ConfigurationException($"{at}.scope: '{other}' (site | provider)"),
        };

        if (!rule.HasPath("action")) throw new ConfigurationException($"{at}.action is missing");
        var actionValue = rule.GetValue("action");
        var actionTexts = actionValue.IsArray() ? actionValue.GetArray().Select(v => v.GetString()).ToArray() : [actionValue.GetString()];
        if (actionTexts.Length == 0) throw new ConfigurationException($"{at}.action: the list is empty");
        var actions = actionTexts.Select(t => AutomationAction.Parse(t, $"{at}.action")).ToArray();

        if (!rule.HasPath("duration")) throw new ConfigurationException($"{at}.duration is missing (an action must end by itself)");
        TimeSpan duration;
        try { duration = rule.GetTimeSpan("duration", null, allowInfinite: false); }
        catch (Exception e) when (e is not ConfigurationException) { throw new ConfigurationException($"{at}.duration: '{rule.GetString("duration")}' is not a duration"); }
        if (duration <= TimeSpan.Zero) throw new ConfigurationException($"{at}.duration must be positive");

        var name = rule.HasPath("name") ? rule.GetString("name") : at;
        return new AutomationRule(name, code, enhanced, textRegex, provider, scope, actions, duration);
    }
}
