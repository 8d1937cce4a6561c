using System.Security.Cryptography;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// Makes queue ids of 20 base-32 characters: 9 for the milliseconds since 2020-01-01 (45 bits, until the year
/// 3135), 4 for a sequence (20 bits), 7 for random bits drawn once per generator (35 bits, so two nodes or two
/// runs of one node differ). Within one generator every id is greater than the previous one, also when the
/// clock steps back: the time part then stays where it was and the sequence goes on; when the sequence of one
/// millisecond is used up, the time part moves one millisecond ahead. Thread-safe.
/// </summary>
public sealed class QueueIdGenerator
{
    public const int Length = TimeChars + SequenceChars + NodeChars;

    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const int TimeChars = 9;
    private const int SequenceChars = 4;
    private const int NodeChars = 7;
    private const long MaxMilliseconds = (1L << (TimeChars * 5)) - 1;
    private const int MaxSequence = (1 << (SequenceChars * 5)) - 1;

    /// <summary>Time zero of the ids: before any id was made, so the time part never has to be negative.</summary>
    public static readonly DateTimeOffset Epoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider _clock;
    private readonly long _node;
    private readonly Lock _gate = new();
    private long _lastMilliseconds = -1;
    private int _sequence;

    public QueueIdGenerator(TimeProvider clock, long? node = null)
    {
        _clock = clock;
        _node = (node ?? RandomNode()) & ((1L << (NodeChars * 5)) - 1);
    }

    public string Next()
    {
        long milliseconds;
        int sequence;
        lock (_gate)
        {
            var now = Math.Clamp((long)(_clock.GetUtcNow() - Epoch).TotalMilliseconds, 0, MaxMilliseconds);
            if (now > _lastMilliseconds)
            {
                _lastMilliseconds = now;
                _sequence = 0;
            }
            else if (_sequence < MaxSequence)
            {
                _sequence++;
            }
            else
            {
                // Borrow the next millisecond rather than repeat or go back; the clock catches up later.
                _lastMilliseconds = Math.Min(_lastMilliseconds + 1, MaxMilliseconds);
                _sequence = 0;
            }
            milliseconds = _lastMilliseconds;
            sequence = _sequence;
        }
        return string.Create(Length, (milliseconds, sequence, _node), static (chars, parts) =>
        {
            Encode(chars[..TimeChars], parts.milliseconds);
            Encode(chars.Slice(TimeChars, SequenceChars), parts.sequence);
            Encode(chars[(TimeChars + SequenceChars)..], parts._node);
        });
    }

    /// <summary>Big-endian base 32, so that the ordinal order of the text is the numeric order.</summary>
    private static void Encode(Span<char> target, long value)
    {
        for (var i = target.Length - 1; i >= 0; i--)
        {
            target[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }

    private static long RandomNode()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToInt64(bytes) & long.MaxValue;
    }
}
