using System.Buffers;

namespace ActorMTA.Protocol.Smtp;

/// <summary>What the engine wants done after one input: replies to send now, in order, then at most one effect.</summary>
public sealed record SmtpStep(IReadOnlyList<SmtpReply> Replies, SmtpEffect? Effect)
{
    public static readonly SmtpStep Empty = new(Array.Empty<SmtpReply>(), null);

    public bool Closes => Effect is SmtpEffect.Close;

    /// <summary>The client is past the soft error limit: send these replies only after the error delay.</summary>
    public bool Delayed { get; init; }

    public void WriteTo(IBufferWriter<byte> output)
    {
        foreach (var reply in Replies) reply.WriteTo(output);
    }

    public byte[] ToBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    public bool Equals(SmtpStep? other) =>
        other is not null && Replies.SequenceEqual(other.Replies) && Equals(Effect, other.Effect);

    public override int GetHashCode() => HashCode.Combine(Replies.Count, Effect);
}
