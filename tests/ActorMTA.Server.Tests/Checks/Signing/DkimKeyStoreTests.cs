using System.Diagnostics;
using System.Security.Cryptography;
using ActorMTA.Server.Checks.Signing;
using ActorMTA.Server.Tests.Support;
using ActorMTA.TestSupport;
using Akka.Configuration;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Signing;

public sealed class DkimKeyStoreTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _data.Dispose();

    private DkimKeyStore Store(IReadOnlyDictionary<string, string>? selectors = null) =>
        new(Path.Combine(_data.Path, "dkim"), selectors, _clock);

    [Fact]
    public void Rsa_key_is_a_2048_bit_pkcs8_pem_readable_only_by_its_owner_and_survives_a_reload()
    {
        var key = Store().Generate("example.test", "s1", DkimKeyAlgorithm.Rsa);

        Assert.Equal(Path.Combine(_data.Path, "dkim", "example.test", "s1.pem"), key.File);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key.File));
        var pem = File.ReadAllText(key.File);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        Assert.Equal(2048, rsa.KeySize);

        var reloaded = Assert.Single(Store().List());
        Assert.True(reloaded.IsActive);
        Assert.Equal(("example.test", "s1", DkimKeyAlgorithm.Rsa, _clock.Now), (reloaded.Key.Domain, reloaded.Key.Selector, reloaded.Key.Algorithm, reloaded.Key.CreatedUtc));
        Assert.Equal(key.Record.Value, reloaded.Key.Record.Value);
    }

    [Fact]
    public void Ed25519_key_survives_a_reload_with_the_same_record()
    {
        var key = Store().Generate("example.test", "ed1", DkimKeyAlgorithm.Ed25519);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key.File));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key.File));
        var reloaded = Store().ActiveKey("example.test");
        Assert.NotNull(reloaded);
        Assert.Equal(DkimKeyAlgorithm.Ed25519, reloaded.Algorithm);
        Assert.Equal(key.Record.Value, reloaded.Record.Value);
    }

    /// <summary>The operator's tools must read the key files: OpenSSL derives the same public key as the record holds.</summary>
    [Theory]
    [InlineData(DkimKeyAlgorithm.Rsa)]
    [InlineData(DkimKeyAlgorithm.Ed25519)]
    public async Task Openssl_reads_the_key_file_and_derives_the_published_key(DkimKeyAlgorithm algorithm)
    {
        const string openssl = "/usr/bin/openssl";
        await DebianPackage.EnsureInstalledAsync("openssl", () => Task.FromResult(File.Exists(openssl)));
        var key = Store().Generate("example.test", "s1", algorithm);

        var psi = new ProcessStartInfo(openssl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "pkey", "-in", key.File, "-pubout", "-outform", "DER" }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        using var spki = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(spki);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr);

        var published = Convert.FromBase64String(key.Record.Value.Split("p=")[1]);
        // An Ed25519 SubjectPublicKeyInfo ends with the raw key, which is all RFC 8463 publishes.
        Assert.Equal(published, algorithm == DkimKeyAlgorithm.Rsa ? spki.ToArray() : spki.ToArray()[^32..]);
    }

    [Fact]
    public void Key_directories_are_private()
    {
        var key = Store().Generate("example.test", "s1");
        var privateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(privateDirectory, File.GetUnixFileMode(Path.GetDirectoryName(key.File)!));
        Assert.Equal(privateDirectory, File.GetUnixFileMode(Path.Combine(_data.Path, "dkim")));
    }

    [Fact]
    public void Default_selector_is_s_and_the_year_and_month()
    {
        Assert.Equal("s202612", Store().Generate("example.test").Selector);
        // The month of UTC, not of the local offset: one name for the same moment on every node.
        Assert.Equal("s202602", DkimNames.DefaultSelector(new DateTimeOffset(2026, 1, 31, 22, 30, 0, TimeSpan.FromHours(-5))));
    }

    [Fact]
    public void Domain_and_selector_are_lower_cased_and_a_trailing_dot_dropped()
    {
        var key = Store().Generate("Mail.Example.TEST.", "S1");
        Assert.Equal(("mail.example.test", "s1"), (key.Domain, key.Selector));
        Assert.Equal("s1._domainkey.mail.example.test", key.Record.Name);
        Assert.True(File.Exists(Path.Combine(_data.Path, "dkim", "mail.example.test", "s1.pem")));
    }

    [Fact]
    public void An_internationalized_domain_is_kept_and_found_under_its_a_label()
    {
        var store = Store();
        var key = store.Generate("Bücher.Test", "s1");

        Assert.Equal("xn--bcher-kva.test", key.Domain);
        Assert.Equal("s1._domainkey.xn--bcher-kva.test", key.Record.Name);
        Assert.True(store.HasKeyFor("bücher.test"));
        Assert.True(store.HasKeyFor("XN--BCHER-KVA.test"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("../etc")]
    [InlineData("example..test")]
    [InlineData("exa_mple.test")]
    [InlineData("-example.test")]
    [InlineData("example.test/x")]
    [InlineData("ex ample.test")]
    public void Invalid_domain_is_refused_with_its_name_in_the_message(string domain)
    {
        var e = Assert.Throws<ArgumentException>(() => Store().Generate(domain, "s1"));
        Assert.Contains($"'{domain}' is not a valid domain name", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_data.Path, "dkim")) && Directory.EnumerateFileSystemEntries(Path.Combine(_data.Path, "dkim")).Any());
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("s_1")]
    [InlineData("s1.")]
    [InlineData("-s1")]
    public void Invalid_selector_is_refused_with_its_name_in_the_message(string selector)
    {
        var e = Assert.Throws<ArgumentException>(() => Store().Generate("example.test", selector));
        Assert.Contains($"'{selector}' is not a valid selector", e.Message);
    }

    [Fact]
    public void Generating_over_an_existing_selector_is_refused_and_keeps_the_old_key()
    {
        var store = Store();
        var first = store.Generate("example.test", "s1");
        var pem = File.ReadAllText(first.File);

        var e = Assert.Throws<DkimKeyExistsException>(() => Store().Generate("EXAMPLE.test", "S1", DkimKeyAlgorithm.Ed25519));
        Assert.Contains("already exists", e.Message);
        Assert.Equal(pem, File.ReadAllText(first.File));
        Assert.Equal(DkimKeyAlgorithm.Rsa, Store().ActiveKey("example.test")!.Algorithm);
        Assert.Equal(["s1.json", "s1.pem"], Directory.GetFiles(Path.GetDirectoryName(first.File)!).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Newest_key_is_active_unless_the_configuration_pins_a_selector()
    {
        var store = Store();
        store.Generate("example.test", "zz-old");
        _clock.Advance(TimeSpan.FromDays(30));
        store.Generate("example.test", "aa-new");
        store.Generate("other.test", "s1");

        Assert.Equal("aa-new", store.ActiveKey("example.test")!.Selector);
        Assert.Equal("aa-new", Store().ActiveKey("example.test")!.Selector);
        Assert.Equal(
            [("example.test", "zz-old", false), ("example.test", "aa-new", true), ("other.test", "s1", true)],
            Store().List().Select(l => (l.Key.Domain, l.Key.Selector, l.IsActive)));

        var pinned = Store(new Dictionary<string, string> { ["Example.Test"] = "ZZ-OLD" });
        Assert.Equal("zz-old", pinned.ActiveKey("example.test")!.Selector);
        Assert.Equal("s1", pinned.ActiveKey("other.test")!.Selector);
        Assert.Empty(pinned.Problems);
    }

    [Fact]
    public void A_pinned_selector_without_a_key_leaves_the_domain_unsigned_and_says_so()
    {
        Store().Generate("example.test", "s1");
        var store = Store(new Dictionary<string, string> { ["example.test"] = "s2", ["nokeys.test"] = "s1" });

        Assert.Null(store.ActiveKey("example.test"));
        Assert.False(store.HasKeyFor("example.test"));
        Assert.DoesNotContain(store.List(), l => l.IsActive);
        Assert.Contains(store.Problems, p => p.Contains("s2") && p.Contains("example.test"));
        Assert.Contains(store.Problems, p => p.Contains("nokeys.test"));
    }

    [Fact]
    public void Invalid_pinned_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Store(new Dictionary<string, string> { ["example.test"] = "bad/selector" }));
        Assert.Throws<ArgumentException>(() => Store(new Dictionary<string, string> { ["not a domain"] = "s1" }));
    }

    [Fact]
    public void Keys_are_for_their_exact_domain_only()
    {
        var store = Store();
        store.Generate("example.test", "s1");

        Assert.True(store.HasKeyFor("example.test"));
        Assert.True(store.HasKeyFor("EXAMPLE.Test."));
        Assert.False(store.HasKeyFor("mail.example.test"));
        Assert.False(store.HasKeyFor("test"));
        Assert.False(store.HasKeyFor("other.test"));
        Assert.False(store.HasKeyFor(""));
        Assert.False(store.HasKeyFor("exämple.test"));
    }

    [Fact]
    public void A_key_generated_elsewhere_is_seen_after_reload()
    {
        var running = Store();
        Assert.False(running.HasKeyFor("example.test"));
        Store().Generate("example.test", "s1");
        Assert.False(running.HasKeyFor("example.test"));

        running.Reload();

        Assert.True(running.HasKeyFor("example.test"));
    }

    [Fact]
    public void A_pkcs1_rsa_key_dropped_in_without_metadata_is_used_with_its_file_time()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_data.Path, "dkim", "example.test")).FullName;
        using var rsa = RSA.Create(2048);
        var file = Path.Combine(directory, "imported.pem");
        File.WriteAllText(file, rsa.ExportRSAPrivateKeyPem());
        var fileTime = new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, fileTime);

        var key = Store().ActiveKey("example.test");

        Assert.NotNull(key);
        Assert.Equal(("imported", DkimKeyAlgorithm.Rsa, new DateTimeOffset(fileTime)), (key.Selector, key.Algorithm, key.CreatedUtc));
        Assert.Equal(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), key.Record.Value.Split("p=")[1]);
    }

    [Fact]
    public void Unusable_files_are_reported_not_thrown()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_data.Path, "dkim", "example.test")).FullName;
        File.WriteAllText(Path.Combine(directory, "broken.pem"), "not a key");
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(directory, "ec.pem"), ec.ExportPkcs8PrivateKeyPem());
        Directory.CreateDirectory(Path.Combine(_data.Path, "dkim", "Upper.Test"));
        Store().Generate("example.test", "good");

        var store = Store();

        Assert.Equal("good", store.ActiveKey("example.test")!.Selector);
        Assert.Equal(3, store.Problems.Count);
        Assert.Contains(store.Problems, p => p.Contains("broken.pem"));
        Assert.Contains(store.Problems, p => p.Contains("ec.pem") && p.Contains("only RSA and Ed25519"));
        Assert.Contains(store.Problems, p => p.Contains("Upper.Test"));
    }

    [Fact]
    public void Settings_read_quoted_domains_from_hocon()
    {
        var config = ConfigurationFactory.ParseString("""actormta.dkim.selectors { "Example.com" = "S2", "mail.example.org" = s202612 }""");

        var settings = DkimSettings.FromConfig(config);

        Assert.Equal(new Dictionary<string, string> { ["example.com"] = "s2", ["mail.example.org"] = "s202612" }, settings.Selectors);
        Assert.Empty(DkimSettings.FromConfig(ConfigurationFactory.ParseString("actormta.hostname = x")).Selectors);
        var e = Assert.Throws<ConfigurationException>(() =>
            DkimSettings.FromConfig(ConfigurationFactory.ParseString("""actormta.dkim.selectors { "example.com" = "a/b" }""")));
        Assert.Contains("actormta.dkim.selectors", e.Message);
    }
}
