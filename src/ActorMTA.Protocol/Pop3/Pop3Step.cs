using System.Buffers;
using System.Text;

namespace ActorMTA.Protocol.Pop3;

/// <summary>
/// What the engine wants done after one input: reply lines to send (without CRLF, in order), then at
/// most one effect.
/// </summary>
public sealed record Pop3Step(IReadOnlyList<string> Lines, Pop3Effect? Effect)
{
    public static readonly Pop3Step Empty = new(Array.Empty<string>(), null);

    public bool Closes => Effect is Pop3Effect.Close;

    /// <summary>The lines as wire bytes, each followed by CRLF.</summary>
    public byte[] ToBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        foreach (var line in Lines)
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
            var written = Encoding.UTF8.GetBytes(line, span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
        }
    }

    // Value equality over the line contents, so tests and callers can compare steps.
    public bool Equals(Pop3Step? other) =>
        other is not null && Lines.SequenceEqual(other.Lines) && Equals(Effect, other.Effect);

    public override int GetHashCode() => HashCode.Combine(Lines.Count, Effect);
}
