using System.Security.Cryptography;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// Queue ids name a message across logs, the spool and the journal. Time-ordered (so `ls` and logs
/// sort sensibly) with random bits (so nodes of a cluster never collide); only [0-9A-Z], safe in file names.
/// </summary>
public static class QueueIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        Span<char> id = stackalloc char[20];
        var ticks = (ulong)DateTime.UtcNow.Ticks;
        for (var i = 9; i >= 0; i--)
        {
            id[i] = Alphabet[(int)(ticks & 31)];
            ticks >>= 5;
        }
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < 10; i++) id[10 + i] = Alphabet[random[i] & 31];
        return new string(id);
    }
}
