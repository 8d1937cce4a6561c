using System.IO.Compression;
using System.Text;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// The segment files of an event log directory: "yyyyMMddTHHmmssfffZ-N.jsonl" while open, ".jsonl.gz" once closed and
/// compressed. Names sort in the order the segments were written, so readers go through them by name.
/// </summary>
public static class EventSegments
{
    public const string OpenSuffix = ".jsonl";
    public const string CompressedSuffix = ".jsonl.gz";

    /// <summary>Every segment, oldest first; where a compressed copy exists beside its original, the compressed one.</summary>
    public static IReadOnlyList<string> List(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var file = Path.GetFileName(path);
            if (file.EndsWith(CompressedSuffix, StringComparison.Ordinal)) byName[file[..^CompressedSuffix.Length]] = path;
            else if (file.EndsWith(OpenSuffix, StringComparison.Ordinal)) byName.TryAdd(file[..^OpenSuffix.Length], path);
        }
        return byName.Values.ToList();
    }

    /// <summary>The name (without suffix) of a segment file.</summary>
    public static string NameOf(string path)
    {
        var file = Path.GetFileName(path);
        return file.EndsWith(CompressedSuffix, StringComparison.Ordinal) ? file[..^CompressedSuffix.Length]
            : file.EndsWith(OpenSuffix, StringComparison.Ordinal) ? file[..^OpenSuffix.Length] : file;
    }

    /// <summary>The lines of a segment. A last line without its line end (torn by a crash) is left out.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        Stream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            // Compressed and removed since it was listed: the compressed copy holds the same lines.
            var compressed = path + ".gz";
            if (!path.EndsWith(OpenSuffix, StringComparison.Ordinal) || !File.Exists(compressed)) yield break;
            stream = new FileStream(compressed, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            path = compressed;
        }
        using (stream)
        {
            Stream source = path.EndsWith(CompressedSuffix, StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
            using var reader = new StreamReader(source, Encoding.UTF8);
            var text = new StringBuilder();
            var buffer = new char[8192];
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != '\n') continue;
                    text.Append(buffer, start, i - start);
                    yield return text.ToString();
                    text.Clear();
                    start = i + 1;
                }
                text.Append(buffer, start, read - start);
            }
        }
    }

    /// <summary>Writes the compressed copy of a closed segment durably, then removes the original.</summary>
    public static void Compress(string path)
    {
        var target = path + ".gz";
        var temporary = target + ".tmp";
        using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) input.CopyTo(gzip);
            output.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
        File.Delete(path);
    }
}
