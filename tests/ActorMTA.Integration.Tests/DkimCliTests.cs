using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>`actormta dkim generate|list` on a data directory of its own: keys need no running server.</summary>
[Trait("Category", "Integration")]
public sealed class DkimCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "actormta-dkim-cli-" + Guid.NewGuid().ToString("N")[..12]);

    public DkimCliTests() => Directory.CreateDirectory(_root);

    private string DataDirectory => Path.Combine(_root, "data");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public async Task Generate_prints_the_record_to_publish_and_list_shows_the_key_active()
    {
        var generated = await CliAsync("dkim", "generate", "example.test", "--selector", "s1");

        Assert.True(generated.ExitCode == 0, generated.ToString());
        var zoneLine = Assert.Single(generated.Stdout.Split('\n'), l => l.StartsWith("s1._domainkey.example.test. IN TXT ( \"v=DKIM1; k=rsa; p=", StringComparison.Ordinal)).TrimEnd();
        Assert.EndsWith("\" )", zoneLine);
        var value = Assert.Single(generated.Stdout.Split('\n'), l => l.StartsWith("v=DKIM1; k=rsa; p=", StringComparison.Ordinal)).TrimEnd();
        Assert.Equal(value, string.Concat(zoneLine.Split('"').Where((_, i) => i % 2 == 1)));
        Assert.Contains("active key of example.test", generated.Stdout);

        var list = await CliAsync("dkim", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        var row = Assert.Single(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["example.test", "s1", "rsa"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3]);
        Assert.EndsWith("active", row.TrimEnd());

        var json = await CliAsync("dkim", "list", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var key = Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray());
        Assert.Equal("example.test", key.GetProperty("domain").GetString());
        Assert.Equal("s1", key.GetProperty("selector").GetString());
        Assert.Equal("rsa", key.GetProperty("algorithm").GetString());
        Assert.True(key.GetProperty("active").GetBoolean());
        Assert.Equal(value, key.GetProperty("record").GetString());
        Assert.InRange(key.GetProperty("created").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Key_file_is_readable_by_its_owner_only()
    {
        var generated = await CliAsync("dkim", "generate", "example.test", "--selector", "s1");

        Assert.True(generated.ExitCode == 0, generated.ToString());
        var file = Path.Combine(DataDirectory, "dkim", "example.test", "s1.pem");
        Assert.Contains(file, generated.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task A_duplicate_selector_is_refused_with_exit_2_and_the_key_kept()
    {
        Assert.Equal(0, (await CliAsync("dkim", "generate", "example.test", "--selector", "s1")).ExitCode);
        var file = Path.Combine(DataDirectory, "dkim", "example.test", "s1.pem");
        var pem = await File.ReadAllTextAsync(file);

        var again = await CliAsync("dkim", "generate", "Example.Test", "--selector", "S1", "--algorithm", "ed25519");

        AssertUsageError(again);
        Assert.Contains("already exists", again.Stderr);
        Assert.Equal(pem, await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Ed25519_key_gets_a_raw_32_byte_record_and_the_default_selector()
    {
        var generated = await CliAsync("dkim", "generate", "example.test", "--algorithm", "ed25519");

        Assert.True(generated.ExitCode == 0, generated.ToString());
        var selector = "s" + DateTime.UtcNow.ToString("yyyyMM");
        Assert.Contains($"{selector}._domainkey.example.test. IN TXT ( \"v=DKIM1; k=ed25519; p=", generated.Stdout);
        var value = Assert.Single(generated.Stdout.Split('\n'), l => l.StartsWith("v=DKIM1; k=ed25519; p=", StringComparison.Ordinal)).TrimEnd();
        Assert.Equal(32, Convert.FromBase64String(value.Split("p=")[1]).Length);
        var list = await CliAsync("dkim", "list");
        Assert.Contains("ed25519", list.Stdout);
    }

    [Fact]
    public async Task A_selector_pinned_in_the_configuration_stays_active_over_a_newer_key()
    {
        var config = Path.Combine(_root, "pinned.conf");
        await File.WriteAllTextAsync(config, "actormta.dkim.selectors { \"example.test\" = \"s1\" }\n");
        Assert.Equal(0, (await CliAsync("dkim", "generate", "example.test", "--selector", "s1")).ExitCode);

        var newer = await CliAsync("dkim", "generate", "example.test", "--selector", "s2", "--config", config);

        Assert.True(newer.ExitCode == 0, newer.ToString());
        Assert.Contains("keeps signing with selector s1", newer.Stdout);
        Assert.Equal(["s1"], ActiveSelectors(await CliAsync("dkim", "list", "--json", "--config", config)));
        Assert.Equal(["s2"], ActiveSelectors(await CliAsync("dkim", "list", "--json")));
    }

    [Theory]
    [InlineData("dkim")]
    [InlineData("dkim", "frobnicate")]
    [InlineData("dkim", "generate")]
    [InlineData("dkim", "generate", "example.test", "--algorithm", "dsa")]
    [InlineData("dkim", "generate", "not_a_domain")]
    [InlineData("dkim", "generate", "example.test", "--selector", "../x")]
    public async Task Bad_usage_exits_2_with_one_line(params string[] args)
    {
        AssertUsageError(await CliAsync(args));
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "dkim", "example.test")) &&
                     Directory.EnumerateFiles(Path.Combine(DataDirectory, "dkim", "example.test")).Any());
    }

    private static string[] ActiveSelectors(CliResult list)
    {
        Assert.True(list.ExitCode == 0, list.ToString());
        return JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray()
            .Where(k => k.GetProperty("active").GetBoolean())
            .Select(k => k.GetProperty("selector").GetString()!)
            .ToArray();
    }

    private static void AssertUsageError(CliResult result)
    {
        Assert.True(result.ExitCode == 2, $"expected exit 2: {result}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr: {result}");
    }

    /// <summary>Runs the built actormta with this test's data directory (and the shipped defaults unless --config is given).</summary>
    private async Task<CliResult> CliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(RepositoryLayout.ServerDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--data-dir");
        psi.ArgumentList.Add(DataDirectory);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"actormta {string.Join(' ', args)} did not finish within 60 s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
