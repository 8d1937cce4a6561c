using System.Text.Json;
using ActorMTA.Host;
using ActorMTA.Server.Hosting;
using ActorMTA.Storage.Accounts;

const string Usage = """
usage: actormta <command> [--config FILE] [--data-dir DIR]

  run                                   start the server (one-node cluster, all listeners)
  user add ADDRESS --password PW        create a mailbox user (its domain must exist)
  user del ADDRESS                      delete a user
  user passwd ADDRESS --password PW     change a password
  user list [--json]                    list users
  domain add NAME                       accept mail for a local domain
  domain list [--json]                  list local domains
  alias add ALIAS TARGET[,TARGET...]    deliver mail for ALIAS (in a local domain) to local users,
                                        other aliases or remote addresses (forwarded)
  alias del ALIAS                       delete an alias
  alias list [--json]                   list aliases and their targets
  suppression add ADDRESS [--tenant T] [--reason TEXT] [--expires DURATION]
                                        refuse mail to ADDRESS at injection (globally, or for tenant T's
                                        mail); DURATION e.g. 30d, 12h (default: never expires)
  suppression del ADDRESS [--tenant T]  remove an address from the global (or T's) list
  suppression list [--tenant T] [--json]
                                        list suppressed addresses (all tenants, or T's; '' for the global list)
  suppression import FILE.csv           add (or replace) the entries of a CSV file with the header line
                                        address,tenant,reason,source,created,expires (all or nothing)
  suppression export [FILE.csv] [--tenant T]
                                        write the list in the same format (to stdout without FILE)
  dkim generate DOMAIN [--selector S] [--algorithm rsa|ed25519]
                                        make a DKIM signing key for mail from DOMAIN (rsa: 2048 bits; selector
                                        default: s + this year and month, e.g. s202612) and print the DNS TXT
                                        record to publish; an existing selector is refused
  dkim list [--json]                    list DKIM keys: domain, selector, algorithm, created, active (the
                                        selector pinned in actormta.dkim.selectors, else the newest)
  events tail [--type T[,T...]] [--recipient ADDR] [--queue-id ID] [--lines N] [--follow] [--json]
                                        the last N (10) delivery events of this node's event log, then (--follow)
                                        each new one; types: Reception, Delivery, TransientFailure, Bounce,
                                        Expiration, AdminBounce, Feedback, Rejection
  events query --since TIME [--until TIME] [--type T] [--recipient ADDR] [--queue-id ID] [--json]
                                        events in a time range; TIME is ISO 8601 or an age (30s, 15m, 2h, 1d)
  ctl COMMAND [--json] [--node IP:PORT --token T]
                                        inspect and steer the cluster through a running node: the node of
                                        --data-dir, or any node's admin endpoint with the cluster's
                                        actormta.admin.token (also read from ACTORMTA_CTL_TOKEN). Commands:
      cluster show|tail|leave ADDR|down ADDR|down-unreachable|join ADDR
      shards regions|stats [REGION]|locate REGION ENTITY-ID      actors tree [PATH] [--depth N]
      queue list|show DOMAIN|suspend|resume|flush DOMAIN|bounce DOMAIN|QUEUE-ID|delete QUEUE-ID
      mailbox stats ADDRESS             accounts reload             spam stats
      shaping show DOMAIN [--source NAME]   site, provider, source, pool and effective limits of a domain
      webhooks                          this node's webhook endpoints: delivered, lag, failures, last error

--data-dir defaults to the actormta.data-dir key (./data). The user, domain, alias and suppression commands work
while the server runs and are in effect for it when they return.
Exit codes: 0 success, 1 failure (reason on stderr), 2 bad usage.
""";

try
{
    var cl = CommandLine.Parse(args);
    if (cl.Words.Count == 0 || cl.Flag("--help") || cl.Flag("-h"))
    {
        Console.WriteLine(Usage);
        return cl.Words.Count == 0 && !cl.Flag("--help") && !cl.Flag("-h") ? 2 : 0;
    }
    var config = ConfigLoader.Load(cl.Option("--config"));
    var settings = ServerSettings.FromConfig(config, cl.Option("--data-dir"));

    switch (cl.Words[0])
    {
        case "run":
            return await ServerNode.RunUntilStoppedAsync(config, settings);
        case "user":
            return await ThenReload(UserCommand(cl, config, settings), settings);
        case "domain":
            return await ThenReload(DomainCommand(cl, config, settings), settings);
        case "alias":
            return await ThenReload(AliasCommand(cl, config, settings), settings);
        case "suppression":
            return await SuppressionCommand.RunAsync(cl, config, settings);
        case "dkim":
            return DkimCommand.Run(cl, config, settings);
        case "events":
        {
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            return await EventsCommand.RunAsync(cl, ActorMTA.Server.Observability.Events.EventLogSettings.FromConfig(config, settings.DataDirectory), stop.Token);
        }
        case "ctl" when cl.Words.ElementAtOrDefault(1) == "top":
            return await TopCommand.RunAsync(settings.DataDirectory, cl.Option("--node"), cl.Option("--token"),
                cl.Option("--interval") is { } every ? Akka.Configuration.ConfigurationFactory.ParseString($"d = \"{every}\"").GetTimeSpan("d") : TimeSpan.FromSeconds(1),
                cl.Option("--count") is { } frames ? int.TryParse(frames, out var n) ? n : throw new UsageException($"--count wants a number, not '{frames}'") : null);
        case "ctl":
            if (cl.Words.Count < 2) throw new UsageException("ctl needs a command, e.g. 'ctl queue list'");
            var ctlWords = cl.Words.Skip(1).ToList();
            if (cl.Option("--depth") is { } depth) ctlWords.AddRange(["--depth", depth]); // actors tree's own option
            if (cl.Option("--source") is { } source) ctlWords.AddRange(["--source", source]); // shaping show's and site's own option
            if (cl.Option("--for") is { } duration) ctlWords.AddRange(["--for", duration]); // site suspend's own option
            if (cl.Option("--by") is { } by) ctlWords.AddRange(["--by", by]); // queue list's own option
            return await ControlClient.RunAsync(ctlWords, settings.DataDirectory, cl.Flag("--json"), cl.Option("--node"), cl.Option("--token"));
        default:
            throw new UsageException($"unknown command '{cl.Words[0]}' (try --help)");
    }
}
catch (UsageException e)
{
    Console.Error.WriteLine($"actormta: {e.Message}");
    return 2;
}
// DbException: the accounts database on a full or broken disk (SQLite) is a reason to exit 1, not a crash.
catch (Exception e) when (e is AccountException or ActorMTA.Storage.Suppression.SuppressionException or InvalidOperationException or IOException or UnauthorizedAccessException
    or Akka.Configuration.ConfigurationException or FormatException or System.Data.Common.DbException)
{
    Console.Error.WriteLine($"actormta: {e.Message}");
    return 1;
}

static AccountDirectory OpenAccounts(Akka.Configuration.Config config, ServerSettings settings)
{
    Directory.CreateDirectory(Path.GetDirectoryName(settings.AccountsFile)!);
    return new AccountDirectory(settings.AccountStore, AccountSettings.FromConfig(config, settings));
}

// A change (exit 0 of add/del/passwd) must be in effect for a running server when the command returns.
static async Task<int> ThenReload((int ExitCode, bool Changed) result, ServerSettings settings)
{
    if (result.ExitCode == 0 && result.Changed) await ControlClient.NotifyAccountsChangedAsync(settings.DataDirectory);
    return result.ExitCode;
}

static string Password(CommandLine cl)
{
    var pw = cl.Option("--password");
    if (pw is null && Console.IsInputRedirected) pw = Console.In.ReadLine();
    if (string.IsNullOrEmpty(pw)) throw new UsageException("--password PW is required");
    return pw;
}

static (int ExitCode, bool Changed) UserCommand(CommandLine cl, Akka.Configuration.Config config, ServerSettings settings)
{
    using var accounts = OpenAccounts(config, settings);
    switch (cl.Word(1, "user subcommand (add|del|passwd|list)"))
    {
        case "add":
            {
                var address = cl.Word(2, "ADDRESS");
                accounts.AddUser(address, Password(cl));
                Console.WriteLine($"user {address} added");
                return (0, true);
            }
        case "del":
            {
                var address = cl.Word(2, "ADDRESS");
                accounts.DeleteUser(address);
                Console.WriteLine($"user {address} deleted");
                return (0, true);
            }
        case "passwd":
            {
                var address = cl.Word(2, "ADDRESS");
                accounts.SetPassword(address, Password(cl));
                Console.WriteLine($"password of {address} changed");
                return (0, true);
            }
        case "list":
            var users = accounts.ListUsers();
            if (cl.Flag("--json"))
                Console.WriteLine(JsonSerializer.Serialize(users.Select(u => new { address = u.Address, domain = u.Domain, created = u.CreatedUtc })));
            else
                foreach (var u in users) Console.WriteLine($"{u.Address,-40} {u.CreatedUtc:yyyy-MM-dd HH:mm:ss}Z");
            return (0, false);
        default:
            throw new UsageException($"unknown user subcommand '{cl.Words[1]}'");
    }
}

static (int ExitCode, bool Changed) DomainCommand(CommandLine cl, Akka.Configuration.Config config, ServerSettings settings)
{
    using var accounts = OpenAccounts(config, settings);
    switch (cl.Word(1, "domain subcommand (add|list)"))
    {
        case "add":
            var name = cl.Word(2, "NAME");
            accounts.AddDomain(name);
            Console.WriteLine($"domain {name} added");
            return (0, true);
        case "list":
            var domains = accounts.ListDomains();
            if (cl.Flag("--json")) Console.WriteLine(JsonSerializer.Serialize(domains));
            else foreach (var d in domains) Console.WriteLine(d);
            return (0, false);
        default:
            throw new UsageException($"unknown domain subcommand '{cl.Words[1]}'");
    }
}

static (int ExitCode, bool Changed) AliasCommand(CommandLine cl, Akka.Configuration.Config config, ServerSettings settings)
{
    using var accounts = OpenAccounts(config, settings);
    switch (cl.Word(1, "alias subcommand (add|del|list)"))
    {
        case "add":
            {
                var alias = cl.Word(2, "ALIAS");
                cl.Word(3, "TARGET[,TARGET...]");
                // Targets as one comma-separated word or as several words.
                var targets = cl.Words.Skip(3).SelectMany(AliasPolicy.ParseTargets).ToList();
                accounts.AddAlias(alias, targets);
                Console.WriteLine($"alias {alias} added");
                return (0, true);
            }
        case "del":
            {
                var alias = cl.Word(2, "ALIAS");
                accounts.DeleteAlias(alias);
                Console.WriteLine($"alias {alias} deleted");
                return (0, true);
            }
        case "list":
            var aliases = accounts.ListAliases();
            if (cl.Flag("--json"))
                Console.WriteLine(JsonSerializer.Serialize(aliases.Select(a => new { address = a.Address, domain = a.Domain, targets = a.Targets })));
            else
                foreach (var a in aliases) Console.WriteLine($"{a.Address,-40} {string.Join(",", a.Targets)}");
            return (0, false);
        default:
            throw new UsageException($"unknown alias subcommand '{cl.Words[1]}'");
    }
}
