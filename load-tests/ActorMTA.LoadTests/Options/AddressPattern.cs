using System.Globalization;

namespace ActorMTA.LoadTests;

/// <summary>
/// A recipient or login address, possibly a pattern: `u@local.test` is one address;
/// `load{n}@local.test` with `--users U` is load0@local.test … load{U-1}@local.test, used round robin.
/// All addresses are built once, so picking one allocates nothing.
/// </summary>
internal sealed class AddressPattern
{
    private readonly string[] _addresses;

    private AddressPattern(string pattern, string[] addresses)
    {
        Pattern = pattern;
        _addresses = addresses;
    }

    public string Pattern { get; }
    public int Count => _addresses.Length;
    public IReadOnlyList<string> All => _addresses;

    public string this[long index] => _addresses[(int)(index % _addresses.Length)];

    /// <param name="users">How many values {n} takes; must be 1 when the pattern has no {n}.</param>
    public static AddressPattern? TryParse(string pattern, int users, out string? error)
    {
        error = null;
        var hasN = pattern.Contains("{n}", StringComparison.Ordinal);
        if (users < 1)
        {
            error = "--users must be at least 1";
            return null;
        }
        if (!hasN && users > 1)
        {
            error = $"'{pattern}' has no {{n}} but --users is {users}";
            return null;
        }
        if (pattern.Length == 0 || pattern.Any(c => c is '<' or '>' or ' ' or '\r' or '\n' or '"'))
        {
            error = $"'{pattern}' is not an address";
            return null;
        }
        var addresses = hasN
            ? Enumerable.Range(0, users).Select(i => pattern.Replace("{n}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToArray()
            : [pattern];
        return new AddressPattern(pattern, addresses);
    }
}
