using System.Globalization;
using System.Text;

namespace ActorMTA.Server.Observability.Events;

/// <summary>
/// A consumer's place in the event log: the segment (by name) and how many of its lines are consumed; while the segment
/// is still open (uncompressed), also the byte offset after them, so reading on does not re-read it from the start.
/// </summary>
public sealed record EventCursor(string Segment, long Line, long Offset)
{
    /// <summary>Before the first event of the log.</summary>
    public static readonly EventCursor Start = new("", 0, 0);

    /// <summary>The cursor saved for a consumer in <paramref name="directory"/>; <see cref="Start"/> when there is none.</summary>
    public static EventCursor Load(string directory, string consumer)
    {
        var path = PathOf(directory, consumer);
        if (!File.Exists(path)) return Start;
        var parts = File.ReadAllText(path).Trim().Split(' ');
        return parts.Length == 3 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var line) && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var offset)
            ? new EventCursor(parts[0] == "-" ? "" : parts[0], line, offset)
            : throw new InvalidDataException($"event cursor {path} is damaged; delete it to start the consumer from the beginning");
    }

    /// <summary>Saves durably (write, fsync, rename): after a crash the consumer goes on from here, or from the cursor before.</summary>
    public void Save(string directory, string consumer)
    {
        var path = PathOf(directory, consumer);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{(Segment.Length == 0 ? "-" : Segment)} {Line} {Offset}\n")));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static string PathOf(string directory, string consumer) => Path.Combine(directory, "cursors", consumer + ".cursor");
}
