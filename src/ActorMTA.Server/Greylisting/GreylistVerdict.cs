using System.Globalization;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Greylisting;

public enum GreylistOutcome : byte
{
    /// <summary>The triplet waited long enough (or passed before): accept.</summary>
    Pass = 1,

    /// <summary>Greylisted: answer <see cref="GreylistVerdict.ToSmtpReply"/> (451 4.7.1).</summary>
    Defer = 2,

    /// <summary>The network, sender or recipient skips greylisting (configured, or auto-whitelisted): accept.</summary>
    Whitelisted = 3,

    /// <summary>No answer from the greylist (ask timed out, journal write failed): the caller chooses 451 4.3.0 or accept.</summary>
    Unavailable = 4,

    /// <summary>actormta.spam.greylisting.enabled = off: nothing was asked.</summary>
    Disabled = 5,
}

/// <summary>The answer to <see cref="CheckGreylist"/> (and what <see cref="GreylistClient"/> returns).</summary>
/// <param name="RetryAfter">For <see cref="GreylistOutcome.Defer"/>: how long until a retry passes; zero otherwise.</param>
public sealed record GreylistVerdict(string Network, GreylistOutcome Outcome, TimeSpan RetryAfter) : IClusterMessage
{
    /// <summary>Why: the whitelist entry that matched ("auto" for auto-whitelisting), or why the greylist was unavailable.</summary>
    public string? Detail { get; init; }

    /// <summary>Whether the mail may go on (Unavailable and Disabled are the caller's choice, so neither counts).</summary>
    public bool Accepts => Outcome is GreylistOutcome.Pass or GreylistOutcome.Whitelisted;

    public static GreylistVerdict Pass(string network) => new(network, GreylistOutcome.Pass, TimeSpan.Zero);

    public static GreylistVerdict Defer(string network, TimeSpan retryAfter) => new(network, GreylistOutcome.Defer, retryAfter);

    public static GreylistVerdict Whitelisted(string network, string why) => new(network, GreylistOutcome.Whitelisted, TimeSpan.Zero) { Detail = why };

    public static GreylistVerdict Unavailable(string network, string why) => new(network, GreylistOutcome.Unavailable, TimeSpan.Zero) { Detail = why };

    public static GreylistVerdict Disabled(string network) => new(network, GreylistOutcome.Disabled, TimeSpan.Zero);

    /// <summary>The RCPT reply of a deferral (null for any other outcome): the seconds tell a patient client when to come back.</summary>
    public SmtpReply? ToSmtpReply()
    {
        if (Outcome != GreylistOutcome.Defer) return null;
        var seconds = Math.Max(1, (long)Math.Ceiling(RetryAfter.TotalSeconds));
        return new SmtpReply(451, "4.7.1", $"Greylisted, try again later (in {seconds.ToString(CultureInfo.InvariantCulture)} seconds)");
    }
}
