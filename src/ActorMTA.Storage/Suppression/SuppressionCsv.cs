using System.Text;

namespace ActorMTA.Storage.Suppression;

/// <summary>
/// The file format of <c>actormta suppression import|export</c>: CSV (RFC 4180 quoting) with the header line
/// <c>address,tenant,reason,source,created,expires</c>. Tenant empty: the global list. Times in ISO 8601 UTC
/// (<c>2026-12-06T06:05:07.1234567Z</c>); created empty: the time of the import; expires empty: never; source
/// empty: import. What export writes, import reads back to the same entries, and exporting those again gives the
/// same bytes.
/// </summary>
public static class SuppressionCsv
{
    public const string Header = "address,tenant,reason,source,created,expires";

    public static void Write(TextWriter writer, IEnumerable<SuppressionEntry> entries)
    {
        writer.Write(Header);
        writer.Write('\n');
        var line = new StringBuilder();
        foreach (var e in entries)
        {
            line.Clear();
            Field(line, e.Address).Append(',');
            Field(line, e.Tenant).Append(',');
            Field(line, e.Reason).Append(',');
            line.Append(SuppressionDatabase.SourceName(e.Source)).Append(',');
            line.Append(SuppressionDatabase.FormatTime(e.CreatedUtc)).Append(',');
            if (e.ExpiresUtc is { } x) line.Append(SuppressionDatabase.FormatTime(x));
            line.Append('\n');
            writer.Write(line);
        }
    }

    private static StringBuilder Field(StringBuilder line, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0) return line.Append(value);
        return line.Append('"').Append(value.Replace("\"", "\"\"")).Append('"');
    }

    /// <summary>
    /// The entries of a file, normalized, in file order. A bad line throws a <see cref="SuppressionException"/>
    /// naming <paramref name="name"/> and the line number, before anything is stored.
    /// </summary>
    public static IEnumerable<SuppressionEntry> Read(TextReader reader, string name, DateTime importTimeUtc)
    {
        var lineNumber = 0;
        var header = ReadRecord(reader, ref lineNumber);
        if (header is null) yield break;
        if (header.Count > 0 && header[0].StartsWith('\uFEFF')) header[0] = header[0][1..];
        if (!string.Join(",", header.Select(h => h.Trim().ToLowerInvariant())).Equals(Header, StringComparison.Ordinal))
            throw new SuppressionException($"{name}:1: the first line must be the header '{Header}'");
        while (true)
        {
            var start = lineNumber + 1;
            var fields = ReadRecord(reader, ref lineNumber);
            if (fields is null) yield break;
            if (fields.Count == 1 && fields[0].Length == 0) continue; // a blank line
            yield return ParseEntry(fields, $"{name}:{start}", importTimeUtc);
        }
    }

    private static SuppressionEntry ParseEntry(List<string> f, string where, DateTime importTimeUtc)
    {
        if (f.Count != 6) throw new SuppressionException($"{where}: expected 6 fields ({Header}), found {f.Count}");
        if (!SuppressionAddress.TryNormalize(f[0], out var address)) throw new SuppressionException($"{where}: not a valid address: '{f[0]}'");
        string tenant;
        try { tenant = SuppressionAddress.NormalizeTenant(f[1]); }
        catch (SuppressionException e) { throw new SuppressionException($"{where}: {e.Message}"); }
        var source = SuppressionSource.Import;
        if (f[3].Trim().Length > 0 && !SuppressionDatabase.TryParseSource(f[3], out source))
            throw new SuppressionException($"{where}: unknown source '{f[3]}' (bounce, complaint, manual or import)");
        var created = importTimeUtc;
        if (f[4].Trim().Length > 0 && !SuppressionDatabase.TryParseTime(f[4].Trim(), out created))
            throw new SuppressionException($"{where}: bad created time '{f[4]}' (ISO 8601, e.g. 2026-12-06T06:05:07Z)");
        DateTime? expires = null;
        if (f[5].Trim().Length > 0)
        {
            if (!SuppressionDatabase.TryParseTime(f[5].Trim(), out var e))
                throw new SuppressionException($"{where}: bad expires time '{f[5]}' (ISO 8601, e.g. 2027-01-01T00:00:00Z)");
            expires = e;
        }
        return new SuppressionEntry(address, tenant, f[2], source, created, expires);
    }

    /// <summary>One record (quoted fields may span lines); null at the end of the input.</summary>
    private static List<string>? ReadRecord(TextReader reader, ref int lineNumber)
    {
        var line = reader.ReadLine();
        if (line is null) return null;
        lineNumber++;
        var fields = new List<string>(6);
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        // The quoted field goes on on the next line.
                        var next = reader.ReadLine() ?? throw new SuppressionException($"line {lineNumber}: a quoted field is not closed");
                        lineNumber++;
                        field.Append('\n');
                        line = next;
                        i = 0;
                        continue;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
            }
            while (i < line.Length && line[i] != ',') field.Append(line[i++]);
            fields.Add(field.ToString());
            field.Clear();
            if (i >= line.Length) return fields;
            i++; // the comma
        }
    }
}
