using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorMTA.Server.Checks.Signing;

/// <summary>
/// The DKIM signing keys of the sending domains, kept under the data directory as
/// <c>dkim/&lt;domain&gt;/&lt;selector&gt;.pem</c> (PKCS#8, mode 0600) with a <c>&lt;selector&gt;.json</c> beside it that
/// records the algorithm and when the key was made. A domain may hold any number of selectors, so a new key can be
/// published before it signs; the active one is the selector pinned in <c>actormta.dkim.selectors</c>, else the most
/// recently generated.
/// </summary>
/// <remarks>
/// The keys are read once (at construction and on <see cref="Reload"/>) into an immutable snapshot, so the lookups
/// the submission path makes for every message touch no disk and need no lock.
/// A PEM dropped in by hand without its .json (a key brought from another signer) is used too; its file time stands
/// in for the creation time.
/// </remarks>
public sealed class DkimKeyStore
{
    public const string DirectoryName = "dkim";

    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly IReadOnlyDictionary<string, string> _pinned;
    private readonly TimeProvider _time;
    private readonly object _generateLock = new();
    private volatile Snapshot _snapshot = Snapshot.Empty;

    /// <param name="directory">The key directory (normally <c>&lt;data&gt;/dkim</c>); need not exist yet.</param>
    /// <param name="activeSelectors">Domain to selector, as in actormta.dkim.selectors; names are normalized here.</param>
    /// <exception cref="ArgumentException">A domain or selector in <paramref name="activeSelectors"/> is not a valid name.</exception>
    public DkimKeyStore(string directory, IReadOnlyDictionary<string, string>? activeSelectors = null, TimeProvider? time = null)
    {
        Directory = Path.GetFullPath(directory);
        _pinned = (activeSelectors ?? new Dictionary<string, string>())
            .ToDictionary(kv => DkimNames.Domain(kv.Key), kv => DkimNames.Selector(kv.Value), StringComparer.Ordinal);
        _time = time ?? TimeProvider.System;
        Reload();
    }

    /// <summary>The store of a server's data directory, with the selectors pinned in its configuration.</summary>
    public static DkimKeyStore InDataDirectory(string dataDirectory, DkimSettings? settings = null, TimeProvider? time = null) =>
        new(Path.Combine(dataDirectory, DirectoryName), settings?.Selectors, time);

    public string Directory { get; }

    /// <summary>What the last load could not use: unreadable key files, badly named files and folders, pinned
    /// selectors that have no key (such a domain is not signed rather than signed with a key nobody chose).</summary>
    public IReadOnlyList<string> Problems => _snapshot.Problems;

    /// <summary>Every key, ordered by domain and then oldest first.</summary>
    public IReadOnlyList<DkimKeyListing> List()
    {
        var snapshot = _snapshot;
        return snapshot.Keys
            .Select(k => new DkimKeyListing(k, snapshot.Active.TryGetValue(k.Domain, out var active) && ReferenceEquals(active, k)))
            .ToList();
    }

    /// <summary>The key mail from <paramref name="domain"/> is signed with now, or null: no key for exactly that
    /// domain (a parent domain's key is not used), or a name that is no domain at all.</summary>
    public DkimKey? ActiveKey(string domain)
    {
        var active = _snapshot.Active;
        if (active.Count == 0) return null;
        if (active.TryGetValue(domain.ToLowerInvariant().TrimEnd('.'), out var key)) return key;
        if (domain.All(char.IsAscii)) return null;
        try
        {
            return active.GetValueOrDefault(DkimNames.Domain(domain));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public bool HasKeyFor(string domain) => ActiveKey(domain) is not null;

    /// <summary>Makes a new key for <paramref name="domain"/> and stores it. Without a pinned selector for the domain
    /// the new key is the active one from now on, so its record should be in DNS before mail is sent.</summary>
    /// <param name="selector">Null for the default, <see cref="DkimNames.DefaultSelector"/> of today.</param>
    /// <exception cref="ArgumentException">Domain or selector is not a valid name.</exception>
    /// <exception cref="DkimKeyExistsException">The domain already has a key with this selector.</exception>
    public DkimKey Generate(string domain, string? selector = null, DkimKeyAlgorithm algorithm = DkimKeyAlgorithm.Rsa)
    {
        domain = DkimNames.Domain(domain);
        selector = selector is null ? DkimNames.DefaultSelector(_time.GetUtcNow()) : DkimNames.Selector(selector);
        lock (_generateLock)
        {
            var domainDirectory = Path.Combine(Directory, domain);
            CreatePrivateDirectory(Directory);
            CreatePrivateDirectory(domainDirectory);
            var pemFile = Path.Combine(domainDirectory, selector + ".pem");
            if (File.Exists(pemFile)) throw new DkimKeyExistsException(domain, selector);

            var privateKey = DkimPrivateKeys.Generate(algorithm);
            var created = _time.GetUtcNow();
            // Written under a temporary name and moved without overwriting: a running server's reload never reads a
            // half-written key, and of two commands racing for one selector exactly one wins.
            var temporary = Path.Combine(domainDirectory, $".{selector}.pem.{Guid.NewGuid():N}.tmp");
            try
            {
                WritePrivateFile(temporary, DkimPrivateKeys.ToPem(privateKey));
                try
                {
                    File.Move(temporary, pemFile, overwrite: false);
                }
                catch (IOException) when (File.Exists(pemFile))
                {
                    throw new DkimKeyExistsException(domain, selector);
                }
            }
            finally
            {
                File.Delete(temporary);
            }
            WriteMetadata(Path.Combine(domainDirectory, selector + ".json"), new KeyMetadata(algorithm.Name(), created));
            Reload();
            return _snapshot.Keys.FirstOrDefault(k => k.Domain == domain && k.Selector == selector)
                ?? throw new InvalidOperationException($"the new key {pemFile} could not be read back: {string.Join("; ", Problems)}");
        }
    }

    /// <summary>Reads the key directory again, for keys generated or removed while the server runs.</summary>
    public void Reload()
    {
        var keys = new List<DkimKey>();
        var problems = new List<string>();
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (var domainDirectory in System.IO.Directory.EnumerateDirectories(Directory))
            {
                var name = Path.GetFileName(domainDirectory);
                if (!IsNormalized(name, DkimNames.Domain))
                {
                    problems.Add($"{domainDirectory}: not a lower-case domain name, skipped");
                    continue;
                }
                foreach (var pemFile in System.IO.Directory.EnumerateFiles(domainDirectory, "*.pem"))
                {
                    var selector = Path.GetFileNameWithoutExtension(pemFile);
                    if (!IsNormalized(selector, DkimNames.Selector))
                    {
                        problems.Add($"{pemFile}: '{selector}' is not a lower-case selector, skipped");
                        continue;
                    }
                    try
                    {
                        keys.Add(ReadKey(name, selector, pemFile));
                    }
                    catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or JsonException)
                    {
                        problems.Add($"{pemFile}: {e.Message}");
                    }
                }
            }
        }
        keys.Sort((a, b) => string.CompareOrdinal(a.Domain, b.Domain) is var byDomain and not 0 ? byDomain : Newer(a, b));

        var active = new Dictionary<string, DkimKey>(StringComparer.Ordinal);
        foreach (var domainKeys in keys.GroupBy(k => k.Domain))
        {
            if (_pinned.TryGetValue(domainKeys.Key, out var pinned))
            {
                if (domainKeys.FirstOrDefault(k => k.Selector == pinned) is { } chosen) active[domainKeys.Key] = chosen;
                else problems.Add($"actormta.dkim.selectors names selector {pinned} for {domainKeys.Key} but it has no such key: its mail is not signed");
            }
            else
            {
                active[domainKeys.Key] = domainKeys.Aggregate((newest, k) => Newer(k, newest) > 0 ? k : newest);
            }
        }
        foreach (var (domain, selector) in _pinned)
            if (!keys.Any(k => k.Domain == domain))
                problems.Add($"actormta.dkim.selectors names selector {selector} for {domain} but it has no DKIM keys");

        _snapshot = new Snapshot(keys, active, problems);
    }

    /// <summary>Positive when <paramref name="a"/> is the more recently generated; the selector breaks a tie so the
    /// choice never depends on directory order.</summary>
    private static int Newer(DkimKey a, DkimKey b) =>
        a.CreatedUtc.CompareTo(b.CreatedUtc) is var byTime and not 0 ? byTime : string.CompareOrdinal(a.Selector, b.Selector);

    private static bool IsNormalized(string name, Func<string, string> normalize)
    {
        try
        {
            return normalize(name) == name;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static DkimKey ReadKey(string domain, string selector, string pemFile)
    {
        var privateKey = DkimPrivateKeys.FromPem(File.ReadAllText(pemFile));
        var algorithm = DkimPrivateKeys.AlgorithmOf(privateKey);
        var metadataFile = Path.ChangeExtension(pemFile, ".json");
        var created = File.Exists(metadataFile)
            ? JsonSerializer.Deserialize<KeyMetadata>(File.ReadAllText(metadataFile), MetadataJson)?.Created
              ?? throw new FormatException($"{metadataFile} is empty")
            : new DateTimeOffset(File.GetLastWriteTimeUtc(pemFile), TimeSpan.Zero);
        return new DkimKey(domain, selector, algorithm, created.ToUniversalTime(), privateKey, pemFile);
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(path);
        else System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void WritePrivateFile(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(text));
        // A key that signed mail must survive a crash: its public half may already be in DNS.
        stream.Flush(flushToDisk: true);
    }

    private static void WriteMetadata(string path, KeyMetadata metadata)
    {
        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(metadata, MetadataJson) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record KeyMetadata(
        [property: JsonPropertyName("algorithm")] string Algorithm,
        [property: JsonPropertyName("created")] DateTimeOffset Created);

    private sealed record Snapshot(IReadOnlyList<DkimKey> Keys, IReadOnlyDictionary<string, DkimKey> Active, IReadOnlyList<string> Problems)
    {
        public static Snapshot Empty { get; } = new([], new Dictionary<string, DkimKey>(), []);
    }
}
