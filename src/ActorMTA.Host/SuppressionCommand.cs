using System.Text;
using System.Text.Json;
using ActorMTA.Server.Hosting;
using ActorMTA.Storage.Suppression;

namespace ActorMTA.Host;

/// <summary>
/// `actormta suppression add|del|list|import|export`: edits the suppression table directly (the server need not
/// run); a change is then announced to a running server, which reloads before the command returns.
/// </summary>
public static class SuppressionCommand
{
    public static async Task<int> RunAsync(CommandLine cl, Akka.Configuration.Config config, ServerSettings settings)
    {
        var (exitCode, changed) = Run(cl, config, settings);
        if (exitCode == 0 && changed) await ControlClient.NotifySuppressionChangedAsync(settings.DataDirectory);
        return exitCode;
    }

    private static (int ExitCode, bool Changed) Run(CommandLine cl, Akka.Configuration.Config config, ServerSettings settings)
    {
        var sub = cl.Word(1, "suppression subcommand (add|del|list|import|export)");
        if (sub is not ("add" or "del" or "list" or "import" or "export")) throw new UsageException($"unknown suppression subcommand '{sub}'");
        Directory.CreateDirectory(settings.DataDirectory);
        using var store = new SuppressionStore(SuppressionSettings.LocationFor(settings), SuppressionSettings.FromConfig(config));
        var tenant = cl.Option("--tenant");
        switch (sub)
        {
            case "add":
                {
                    var address = SuppressionAddress.Normalize(cl.Word(2, "ADDRESS"));
                    var now = DateTime.UtcNow;
                    DateTime? expires = cl.Option("--expires") is { } duration ? now + ParseDuration(duration) : null;
                    var entry = store.Add([new SuppressionEntry(address, tenant ?? "", cl.Option("--reason") ?? "added by the operator", SuppressionSource.Manual, now, expires)])[0];
                    Console.WriteLine($"{entry.Address} suppressed{Scope(entry.Tenant)}{(expires is { } e ? $" until {e:yyyy-MM-dd HH:mm:ss}Z" : "")}");
                    return (0, true);
                }
            case "del":
                {
                    var address = SuppressionAddress.Normalize(cl.Word(2, "ADDRESS"));
                    if (!store.Delete(address, tenant))
                        throw new SuppressionException($"{address} is not suppressed{Scope(SuppressionAddress.NormalizeTenant(tenant))}");
                    Console.WriteLine($"{address} no longer suppressed{Scope(SuppressionAddress.NormalizeTenant(tenant))}");
                    return (0, true);
                }
            case "list":
                {
                    var entries = store.List(tenant);
                    if (cl.Flag("--json"))
                    {
                        Console.WriteLine(JsonSerializer.Serialize(entries.Select(e => new
                        {
                            address = e.Address, tenant = e.Tenant, reason = e.Reason, source = e.Source.ToString().ToLowerInvariant(),
                            created = e.CreatedUtc, expires = e.ExpiresUtc,
                        })));
                    }
                    else
                    {
                        foreach (var e in entries)
                            Console.WriteLine($"{e.Address,-40} {(e.Tenant.Length == 0 ? "(global)" : e.Tenant),-12} {e.Source.ToString().ToLowerInvariant(),-9} " +
                                $"{e.CreatedUtc:yyyy-MM-dd HH:mm:ss}Z {(e.ExpiresUtc is { } x ? $"until {x:yyyy-MM-dd HH:mm:ss}Z" : "-"),-26} {e.Reason}");
                    }
                    return (0, false);
                }
            case "import":
                {
                    var file = cl.Word(2, "FILE.csv");
                    List<SuppressionEntry> entries;
                    using (var reader = new StreamReader(file, Encoding.UTF8))
                        // Read and check the whole file first: a bad line stores nothing.
                        entries = SuppressionCsv.Read(reader, file, DateTime.UtcNow).ToList();
                    store.Add(entries);
                    Console.WriteLine($"{entries.Count} entries imported from {file}");
                    return (0, entries.Count > 0);
                }
            default: // export
                {
                    var file = cl.Words.ElementAtOrDefault(2);
                    if (file is null || file == "-")
                    {
                        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
                        SuppressionCsv.Write(stdout, store.List(tenant));
                        return (0, false);
                    }
                    // Written beside the target and renamed into place: a failed export leaves no half file.
                    var temporary = file + ".tmp";
                    using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false), 1 << 16))
                        SuppressionCsv.Write(writer, store.List(tenant));
                    File.Move(temporary, file, overwrite: true);
                    Console.Error.WriteLine($"exported to {file}");
                    return (0, false);
                }
        }
    }

    private static string Scope(string tenant) => tenant.Length == 0 ? "" : $" for tenant {tenant}";

    private static TimeSpan ParseDuration(string text)
    {
        TimeSpan duration;
        try
        {
            duration = Akka.Configuration.ConfigurationFactory.ParseString($"d = \"{text.Replace("\"", "")}\"").GetTimeSpan("d");
        }
        catch (Exception e) when (e is FormatException or Akka.Configuration.ConfigurationException or ArgumentException or OverflowException)
        {
            throw new UsageException($"--expires wants a duration such as 30d or 12h, not '{text}'");
        }
        return duration > TimeSpan.Zero ? duration : throw new UsageException($"--expires wants a positive duration, not '{text}'");
    }
}
