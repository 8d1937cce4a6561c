using System.Text;

namespace ActorMTA.LoadTests.Verification;

/// <summary>The `X-Load-Id: &lt;run-id&gt;-&lt;n&gt;` header every load message carries.</summary>
internal static class LoadIdHeader
{
    private static readonly byte[] Name = "x-load-id:"u8.ToArray();

    /// <summary>True (with the trimmed value) when the header line is X-Load-Id (name case-insensitive).</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out string value)
    {
        value = "";
        if (line.Length <= Name.Length) return false;
        for (var i = 0; i < Name.Length; i++)
        {
            var b = line[i];
            if (b is >= (byte)'A' and <= (byte)'Z') b = (byte)(b + 32);
            if (b != Name[i]) return false;
        }
        value = Encoding.ASCII.GetString(line[Name.Length..]).Trim();
        return value.Length > 0;
    }

    public static bool IsOfRun(string id, string runId) =>
        id.Length > runId.Length + 1 && id.StartsWith(runId, StringComparison.Ordinal) && id[runId.Length] == '-';
}
