using System.Globalization;
using System.Text;

namespace ActorMTA.LoadTests.Cli;

/// <summary>One option a command accepts. <see cref="ValueName"/> null = a flag without a value.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Help, string? Default = null);

/// <summary>A mistake in the command line: printed as one line with a hint, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Hand-rolled option parsing: `--name value`, `--name=value` and bare `--flag`; the last
/// occurrence of an option wins; anything not declared by the command is a usage error. Values are
/// converted by the typed getters, which name the option in their error message.
/// </summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public ArgReader(string command, IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs)
    {
        Command = command;
        var byName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                HelpRequested = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"{command}: unexpected argument '{arg}'");
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            if (!byName.TryGetValue(name, out var spec))
                throw new UsageException($"{command}: unknown option --{name}");
            if (spec.ValueName is null)
            {
                if (eq > 0) throw new UsageException($"{command}: --{name} takes no value");
                _values[name] = null;
            }
            else if (eq > 0) _values[name] = arg[(eq + 1)..];
            else if (i + 1 < args.Count) _values[name] = args[++i];
            else throw new UsageException($"{command}: --{name} needs a value ({spec.ValueName})");
        }
    }

    public string Command { get; }
    public bool HelpRequested { get; }

    public bool Has(string name) => _values.ContainsKey(name);

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.GetValueOrDefault(name);

    public string String(string name, string fallback) => _values.GetValueOrDefault(name) ?? fallback;

    public long Long(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        if (String(name) is not { } text) return fallback;
        if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw Bad(name, text, "a whole number");
        if (value < min || value > max) throw Bad(name, text, $"a number from {min} to {max}");
        return value;
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue) => (int)Long(name, fallback, min, max);

    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        if (String(name) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
            throw Bad(name, text, "a number");
        if (value < min || value > max) throw Bad(name, text, $"a number from {min} to {max}");
        return value;
    }

    public TimeSpan Duration(string name, TimeSpan fallback)
    {
        if (String(name) is not { } text) return fallback;
        return ValueParsers.TryParseDuration(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw Bad(name, text, "a duration such as 30s, 500ms, 2m or 1h");
    }

    public bool OnOff(string name, bool fallback) => String(name) switch
    {
        null => fallback,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        var text => throw Bad(name, text, "on or off"),
    };

    public T Choice<T>(string name, T fallback, params (string Word, T Value)[] choices)
    {
        if (String(name) is not { } text) return fallback;
        foreach (var (word, value) in choices)
        {
            if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase)) return value;
        }
        throw Bad(name, text, string.Join(" | ", choices.Select(c => c.Word)));
    }

    public UsageException Bad(string name, string text, string expected) =>
        new($"{Command}: --{name} '{text}' is not {expected}");

    /// <summary>`usage:` line, description and one aligned line per option (with its default).</summary>
    public static string Help(string usage, string description, IReadOnlyList<OptionSpec> specs, string? footer = null)
    {
        var left = specs.Select(s => s.ValueName is null ? $"--{s.Name}" : $"--{s.Name} {s.ValueName}").ToList();
        var width = Math.Min(34, left.Max(l => l.Length) + 2);
        var text = new StringBuilder();
        text.Append("usage: ").AppendLine(usage).AppendLine();
        text.AppendLine(description.TrimEnd()).AppendLine().AppendLine("options:");
        for (var i = 0; i < specs.Count; i++)
        {
            var help = specs[i].Default is { } d ? $"{specs[i].Help} (default: {d})" : specs[i].Help;
            var pad = left[i].Length + 2 > width ? "\n  " + new string(' ', width) : new string(' ', width - left[i].Length);
            text.Append("  ").Append(left[i]).Append(pad).AppendLine(help);
        }
        text.Append("  ").Append("-h, --help".PadRight(width)).AppendLine("this help");
        if (footer is not null) text.AppendLine().AppendLine(footer.TrimEnd());
        return text.ToString();
    }
}
