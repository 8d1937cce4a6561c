using System.Buffers;
using System.Text;

namespace ActorMTA.Protocol.Smtp.Client;

/// <summary>
/// What the engine wants done after one input: command lines to write now, in order (without CRLF),
/// then at most one effect. With PIPELINING a step may hold a whole command group.
/// </summary>
public sealed record ClientStep(IReadOnlyList<string> Commands, ClientEffect? Effect)
{
    public static readonly ClientStep Empty = new(Array.Empty<string>(), null);

    /// <summary>Writes every command followed by CRLF. UTF-8, which is plain ASCII unless SMTPUTF8 is in use.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var command in Commands)
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(command.Length) + 2);
            var written = Encoding.UTF8.GetBytes(command, span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
        }
    }

    public byte[] ToBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    public bool Equals(ClientStep? other) =>
        other is not null && Commands.SequenceEqual(other.Commands) && Equals(Effect, other.Effect);

    public override int GetHashCode() => HashCode.Combine(Commands.Count, Effect);
}
