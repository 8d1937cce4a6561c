using System.Net;
using ActorMTA.Server.Cluster;
using Akka.Actor;

namespace ActorMTA.Server.Greylisting;

/// <summary>
/// What an SMTP session asks at RCPT: skips configured whitelist entries locally, asks the Greylist entity of the
/// client's network otherwise. Never throws for the greylist's sake: no answer in time, a journal write that failed,
/// anything else unexpected all come back as <see cref="GreylistOutcome.Unavailable"/>, for the caller to choose
/// between 451 4.3.0 and accepting.
/// </summary>
public sealed class GreylistClient(IActorRef region, GreylistSettings settings)
{
    public GreylistSettings Settings => settings;

    public bool Enabled => settings.Enabled;

    /// <summary>A client for the node's greylist region with the settings of the system's actormta section.</summary>
    public static GreylistClient Create(ActorSystem system, ShardRegions regions) =>
        new(regions.Greylist, GreylistSettings.FromConfig(system.Settings.Config));

    /// <param name="sender">The MAIL FROM address; "" (or "&lt;&gt;") for the null sender.</param>
    public async Task<GreylistVerdict> CheckAsync(IPAddress client, string? sender, string recipient, TimeSpan timeout)
    {
        var network = GreylistPolicy.NetworkOf(client, settings.Ipv4Prefix, settings.Ipv6Prefix);
        if (!settings.Enabled) return GreylistVerdict.Disabled(network);
        if (settings.Whitelist.Match(client, sender, recipient) is { } entry) return GreylistVerdict.Whitelisted(network, entry);

        var check = new CheckGreylist(network, sender ?? "", recipient);
        object reply;
        try
        {
            reply = await region.Ask<object>(check, timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return GreylistVerdict.Unavailable(network, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e)
        {
            return GreylistVerdict.Unavailable(network, e.GetBaseException().Message);
        }
        return reply switch
        {
            GreylistVerdict verdict => verdict,
            JournalWriteFailed failed => GreylistVerdict.Unavailable(network, "journal write failed: " + failed.Reason),
            _ => GreylistVerdict.Unavailable(network, "unexpected reply " + reply.GetType().Name),
        };
    }
}
