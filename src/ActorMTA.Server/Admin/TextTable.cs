using System.Text;

namespace ActorMTA.Server.Admin;

/// <summary>Left-aligned columns sized to their widest cell, for ctl output read by people.</summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = new int[header.Count];
        foreach (var row in all)
            for (var i = 0; i < header.Count; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        var sb = new StringBuilder();
        foreach (var row in all)
        {
            for (var i = 0; i < header.Count; i++)
            {
                if (i > 0) sb.Append("  ");
                sb.Append(i == header.Count - 1 ? row[i] : row[i].PadRight(widths[i]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
