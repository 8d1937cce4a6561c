using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.Storage.Content;

/// <summary>
/// Where content lives on disk and how references map to paths.
/// <code>
/// &lt;root&gt;/tmp/&lt;xx&gt;/&lt;stem&gt;-&lt;guid&gt;.tmp   content being written (deleted on startup: never acknowledged)
/// &lt;root&gt;/&lt;xx&gt;/&lt;stem&gt;.&lt;suffix&gt;          one hard link per reference; the reference string is "xx/stem.suffix"
/// &lt;root&gt;/spare/&lt;n&gt;                      empty released files, written over by new content (see SpareFilePool)
/// </code>
/// For tmp, xx is a hash of the message id: 256 directories keep concurrent sessions from queueing on one
/// directory lock while they create files (measured: with a single tmp directory, contention on its lock was the
/// largest kernel cost under 64 concurrent sessions). For published content, xx is the commit batch's bucket: the
/// group committer publishes a whole batch into one directory, so the batch needs one directory fsync instead of
/// one per message (with hashed directories a batch of 30 touched ~30 directories, and directory fsyncs were
/// half of the fsync cost of SMTP accept). The stem is the message id reduced to safe characters, for humans
/// only — uniqueness comes from link/rename refusing existing names.
/// </summary>
internal sealed partial class SpoolLayout
{
    private const int MaxStemLength = 64;
    private const int MaxLinkAttempts = 32;

    public SpoolLayout(string root)
    {
        Root = Path.GetFullPath(root);
        TempDirectory = Path.Combine(Root, "tmp");
        SpareDirectory = Path.Combine(Root, "spare");
    }

    public string Root { get; }
    public string TempDirectory { get; }
    public string SpareDirectory { get; }

    /// <summary>Creates the directory tree and deletes content left in tmp by a crash before commit.</summary>
    public void Initialize()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(TempDirectory);
        foreach (var leftover in Directory.EnumerateFiles(TempDirectory, "*", SearchOption.AllDirectories))
            File.Delete(leftover);
        for (var i = 0; i < Buckets; i++)
        {
            Directory.CreateDirectory(Path.Combine(Root, i.ToString("x2")));
            Directory.CreateDirectory(Path.Combine(TempDirectory, i.ToString("x2")));
        }
        // The directories may have just been created; their entries must survive a crash.
        NativeFileSystem.FsyncDirectory(Root);
        NativeFileSystem.FsyncDirectory(TempDirectory);
    }

    public string NewTempPath(string queueId)
    {
        return Path.Combine(TempDirectory, HashDirectoryOf(queueId), $"{StemOf(queueId)}-{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Moves a temp file into its hash directory as the first reference (one rename instead of link + unlink:
    /// one directory operation less per message) and links the other references to it.
    /// On failure the names already created are removed again. The caller syncs <paramref name="directory"/>.
    /// </summary>
    public IReadOnlyList<string> Publish(string tempPath, string queueId, int referenceCount, int bucket, out string directory)
    {
        var hashDirectory = BucketName(bucket);
        var stem = StemOf(queueId);
        directory = Path.Combine(Root, hashDirectory);
        var first = CreateName(NativeFileSystem.TryRenameNoReplace, tempPath, hashDirectory, stem, "0");
        var references = new List<string>(referenceCount) { first };
        try
        {
            var firstPath = Path.Combine(Root, first);
            for (var i = 1; i < referenceCount; i++)
                references.Add(CreateName(NativeFileSystem.TryLink, firstPath, hashDirectory, stem, i.ToString()));
        }
        catch
        {
            foreach (var created in references)
                Unlink(created);
            throw;
        }
        return references;
    }

    /// <summary>Creates one more name for the content behind <paramref name="reference"/> in the same directory.</summary>
    public string AddName(string reference, out string directory)
    {
        var (hashDirectory, stem) = Parse(reference);
        directory = Path.Combine(Root, hashDirectory);
        return CreateName(NativeFileSystem.TryLink, PathOf(reference), hashDirectory, stem, preferredSuffix: null);
    }

    public void Unlink(string reference)
    {
        // File.Delete is a no-op for a missing name, which is what Release promises.
        File.Delete(PathOf(reference));
    }

    /// <summary>Full path of a reference; rejects anything that is not a reference this layout produced.</summary>
    public string PathOf(string reference)
    {
        Parse(reference);
        return Path.Combine(Root, reference);
    }

    /// <summary>Creates a fresh name in the hash directory with link or rename; returns the new reference.</summary>
    private string CreateName(Func<string, string, int> create, string existingPath, string hashDirectory, string stem, string? preferredSuffix)
    {
        for (var attempt = 0; attempt < MaxLinkAttempts; attempt++)
        {
            var suffix = attempt == 0 && preferredSuffix is not null ? preferredSuffix : RandomSuffix();
            var reference = $"{hashDirectory}/{stem}.{suffix}";
            var target = Path.Combine(Root, reference);
            var errno = create(existingPath, target);
            if (errno == 0)
                return reference;
            if (errno == NativeFileSystem.ENOENT && !File.Exists(existingPath))
                throw new FileNotFoundException("Content reference does not exist (already released?).", existingPath);
            if (errno != NativeFileSystem.EEXIST)
                throw NativeFileSystem.ErrorFor("creating", target, errno);
        }
        throw new IOException($"Could not find a free name for '{stem}' in '{hashDirectory}' after {MaxLinkAttempts} attempts.");
    }

    private static (string HashDirectory, string Stem) Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var match = ReferencePattern().Match(reference);
        if (!match.Success)
            throw new ArgumentException($"Not a content reference: '{reference}'.", nameof(reference));
        return (match.Groups["dir"].Value, match.Groups["stem"].Value);
    }

    /// <summary>Number of published-content directories (00..ff).</summary>
    public const int Buckets = 256;

    private static string BucketName(int bucket) => ((uint)bucket % Buckets).ToString("x2");

    private static string HashDirectoryOf(string queueId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(queueId), hash);
        return hash[0].ToString("x2");
    }

    private static string StemOf(string queueId)
    {
        var builder = new StringBuilder(Math.Min(queueId.Length, MaxStemLength));
        foreach (var c in queueId)
        {
            if (builder.Length == MaxStemLength)
                break;
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }
        return builder.Length == 0 ? "m" : builder.ToString();
    }

    private static string RandomSuffix()
    {
        return Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    }

    // \z rather than $: $ would accept a trailing newline.
    [GeneratedRegex(@"^(?<dir>[0-9a-f]{2})/(?<stem>[A-Za-z0-9_-]{1,64})\.[0-9a-z]{1,16}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
