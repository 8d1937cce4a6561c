using System.Text.Encodings.Web;
using System.Text.Json;
using ActorMTA.Server.Checks.Signing;
using ActorMTA.Server.Hosting;

namespace ActorMTA.Host;

/// <summary><c>actormta dkim generate|list</c>: the signing keys of the sending domains, under the data directory.</summary>
public static class DkimCommand
{
    // The record value is base64: without relaxed escaping every '+' would come out as \u002B.
    private static readonly JsonSerializerOptions ListJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(CommandLine cl, Akka.Configuration.Config config, ServerSettings settings)
    {
        var store = DkimKeyStore.InDataDirectory(settings.DataDirectory, DkimSettings.FromConfig(config));
        switch (cl.Word(1, "dkim subcommand (generate|list)"))
        {
            case "generate":
                return Generate(cl, store);
            case "list":
                return List(cl, store);
            default:
                throw new UsageException($"unknown dkim subcommand '{cl.Words[1]}'");
        }
    }

    private static int Generate(CommandLine cl, DkimKeyStore store)
    {
        var domain = cl.Word(2, "DOMAIN");
        var algorithmName = cl.Option("--algorithm") ?? "rsa";
        if (!DkimKeyAlgorithms.TryParse(algorithmName, out var algorithm))
            throw new UsageException($"--algorithm must be rsa or ed25519, not '{algorithmName}'");
        DkimKey key;
        try
        {
            key = store.Generate(domain, cl.Option("--selector"), algorithm);
        }
        // Both are the operator's choice of names, fixed by typing another command: usage, not failure.
        catch (Exception e) when (e is ArgumentException or DkimKeyExistsException)
        {
            throw new UsageException(e.Message);
        }

        Console.WriteLine($"DKIM key for {key.Domain} generated: selector {key.Selector}, {key.Algorithm.Name()} {key.KeyBits} bits, private key in {key.File}");
        Console.WriteLine($"Publish this TXT record in the DNS zone of {key.Domain}:");
        Console.WriteLine();
        Console.WriteLine(key.Record.ZoneFileLine);
        Console.WriteLine();
        Console.WriteLine("The same value on one line, for DNS forms that take a single string:");
        Console.WriteLine(key.Record.Value);
        Console.WriteLine();
        var active = store.ActiveKey(key.Domain);
        if (active?.Selector == key.Selector)
            Console.WriteLine($"This is now the active key of {key.Domain} (its newest; actormta.dkim.selectors pins none): publish the record before mail from {key.Domain} is sent.");
        else if (active is not null)
            Console.WriteLine($"{key.Domain} keeps signing with selector {active.Selector} (pinned in actormta.dkim.selectors); name {key.Selector} there once the record is published.");
        else
            Console.WriteLine($"{key.Domain} is not signed: actormta.dkim.selectors pins a selector it has no key for.");
        WarnAbout(store);
        return 0;
    }

    private static int List(CommandLine cl, DkimKeyStore store)
    {
        var keys = store.List();
        if (cl.Flag("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(keys.Select(l => new
            {
                domain = l.Key.Domain,
                selector = l.Key.Selector,
                algorithm = l.Key.Algorithm.Name(),
                created = l.Key.CreatedUtc,
                active = l.IsActive,
                file = l.Key.File,
                record = l.Key.Record.Value,
            }), ListJson));
        }
        else
        {
            foreach (var l in keys)
                Console.WriteLine($"{l.Key.Domain,-32} {l.Key.Selector,-12} {l.Key.Algorithm.Name(),-8} {l.Key.CreatedUtc:yyyy-MM-dd HH:mm:ss}Z{(l.IsActive ? "  active" : "")}");
        }
        WarnAbout(store);
        return 0;
    }

    // Unusable key files and pinned selectors without a key leave a domain unsigned: say so, but they are no reason to fail.
    private static void WarnAbout(DkimKeyStore store)
    {
        foreach (var problem in store.Problems) Console.Error.WriteLine($"actormta: warning: {problem}");
    }
}
