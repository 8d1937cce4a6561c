using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ActorMTA.Storage.Accounts;

/// <summary>
/// Remembers successful password checks so a client that logs in again and again (POP3 polling, IMAP
/// reconnects) costs one HMAC instead of a deliberately slow PBKDF2. Entries are keyed by an HMAC under a key
/// that never leaves the process, so the cache holds nothing that helps to recover a password. The stored hash
/// is part of the key: after a password change the old entry can no longer match.
/// </summary>
internal sealed class VerifiedLoginCache
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte> _verified = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public VerifiedLoginCache(int capacity)
    {
        _capacity = capacity;
    }

    public int Count => _verified.Count;

    public string KeyFor(string address, string password, string storedHash)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        Span<byte> length = stackalloc byte[4];
        foreach (var field in new[] { address, password, storedHash })
        {
            // Length-prefixed fields: no choice of password can make two different triples collide.
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            hmac.AppendData(length);
            hmac.AppendData(bytes);
            CryptographicOperations.ZeroMemory(bytes);
        }
        return Convert.ToBase64String(hmac.GetHashAndReset());
    }

    public bool Contains(string key) => _verified.ContainsKey(key);

    public void Add(string key)
    {
        if (_capacity == 0)
            return;
        // Crude bound: dropping everything now and then is cheaper than tracking recency on every login.
        if (_verified.Count >= _capacity)
            _verified.Clear();
        _verified.TryAdd(key, 0);
    }

    public void Clear() => _verified.Clear();
}
