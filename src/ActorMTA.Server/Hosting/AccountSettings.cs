using ActorMTA.Storage.Accounts;
using Akka.Configuration;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// The actormta.accounts section as <see cref="AccountOptions"/>, the same for the server and the CLI (which checks
/// alias targets against the same postmaster/abuse defaults the server routes by).
/// </summary>
public static class AccountSettings
{
    public static AccountOptions FromConfig(Config root, ServerSettings settings)
    {
        var accounts = root.GetConfig("actormta.accounts");
        return new AccountOptions(settings.Pbkdf2Iterations)
        {
            RefreshInterval = settings.AccountsRefreshInterval,
            Aliases = new AliasPolicy
            {
                PrimaryDomain = accounts?.GetString("primary-domain", "") ?? "",
                HostName = settings.HostName,
                DefaultPostmaster = AliasPolicy.ParseTargets(accounts?.GetString("default-aliases.postmaster", "") ?? ""),
                DefaultAbuse = AliasPolicy.ParseTargets(accounts?.GetString("default-aliases.abuse", "") ?? ""),
                MaxDepth = accounts?.GetInt("max-alias-depth", 10) ?? 10,
            },
        };
    }
}
