using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace ActorMTA.LoadTests.Verification;

/// <summary>One message the server acknowledged with 250 after the final dot, and the recipients it accepted.</summary>
internal readonly record struct Acknowledged(string LoadId, string[] Recipients);

/// <summary>
/// Every acknowledged message of a run (kept only when the run verifies or writes --ids-out).
/// The ids file is text: a `# actormta-load run RUNID` line, then one `RUNID-N rcpt1,rcpt2` line
/// per acknowledged message.
/// </summary>
internal sealed class AcknowledgedLog(string runId)
{
    private const string HeaderPrefix = "# actormta-load run ";
    private readonly ConcurrentQueue<Acknowledged> _entries = new();

    public string RunId { get; } = runId;
    public int Count => _entries.Count;
    public IReadOnlyCollection<Acknowledged> Entries => _entries;

    public void Add(string loadId, string[] recipients) => _entries.Enqueue(new Acknowledged(loadId, recipients));

    public void WriteTo(string path)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        writer.NewLine = "\n";
        writer.WriteLine(HeaderPrefix + RunId);
        foreach (var entry in _entries.OrderBy(e => e.LoadId.Length).ThenBy(e => e.LoadId, StringComparer.Ordinal))
            writer.WriteLine($"{entry.LoadId} {string.Join(',', entry.Recipients)}");
    }

    /// <summary>Reads an ids file; throws <see cref="FormatException"/> with the line number when it is not one.</summary>
    public static AcknowledgedLog ReadFrom(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = reader.ReadLine();
        if (header is null || !header.StartsWith(HeaderPrefix, StringComparison.Ordinal))
            throw new FormatException($"{path}: not an actormta-load ids file (first line must be '{HeaderPrefix}RUNID')");
        var log = new AcknowledgedLog(header[HeaderPrefix.Length..].Trim());
        var number = 1;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            var space = line.IndexOf(' ');
            if (space <= 0 || !line.StartsWith(log.RunId + "-", StringComparison.Ordinal))
                throw new FormatException($"{path}:{number.ToString(CultureInfo.InvariantCulture)}: expected 'ID RCPT,RCPT…' of run {log.RunId}");
            log.Add(line[..space], line[(space + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return log;
    }
}
