namespace ActorMTA.Host;

/// <summary>
/// Parsed arguments: positional words plus `--name value` options and bare `--flags`.
/// Small on purpose: the command set is fixed and every command shares --config/--data-dir.
/// </summary>
public sealed class CommandLine
{
    private static readonly HashSet<string> Flags = ["--json", "--help", "-h", "--follow"];
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Words { get; } = new();

    public static CommandLine Parse(string[] args)
    {
        var cl = new CommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (Flags.Contains(a)) cl._flags.Add(a);
            else if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = a.IndexOf('=');
                if (eq > 0) cl._options[a[..eq]] = a[(eq + 1)..];
                else if (i + 1 < args.Length) cl._options[a] = args[++i];
                else throw new UsageException($"option {a} needs a value");
            }
            else cl.Words.Add(a);
        }
        return cl;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);
    public bool Flag(string name) => _flags.Contains(name);
    public string Word(int index, string what) =>
        index < Words.Count ? Words[index] : throw new UsageException($"missing {what}");
}

/// <summary>A mistake in the command line: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
