using ActorMTA.Protocol.Bounces;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Delivery.Bounces;

namespace ActorMTA.Server.Routing;

/// <summary>What kind of report an address receives.</summary>
public enum ReportKind
{
    /// <summary>A VERP return path: asynchronous bounces (and the odd complaint) for one message and recipient.</summary>
    Verp,
    /// <summary>A feedback-loop address (actormta.bounces.feedback-addresses): ARF complaints.</summary>
    Feedback,
}

/// <summary>A recipient address that takes reports rather than mail; <paramref name="Target"/> is what a VERP address names.</summary>
public sealed record ReportAddress(ReportKind Kind, string Address, VerpTarget? Target);

/// <summary>
/// The addresses where reports about our own mail come back (actormta.bounces): VERP return paths at the verp domain
/// and the feedback-loop addresses. Writes the VERP return path of an outbound copy, and recognises both kinds for the
/// <see cref="RecipientRouter"/>. The verp domain, when not configured, is the accounts' primary domain as it is now.
/// </summary>
public sealed class ReportAddresses
{
    private readonly BounceRulesSettings _settings;
    private readonly Func<string> _primaryDomain;
    private readonly HashSet<string> _feedback;

    public ReportAddresses(BounceRulesSettings settings, Func<string> primaryDomain)
    {
        _settings = settings;
        _primaryDomain = primaryDomain;
        _feedback = new HashSet<string>(settings.FeedbackAddresses, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>actormta.bounces.verp: outbound copies get VERP return paths.</summary>
    public bool VerpOn => _settings.Verp;

    public VerpAddress Verp => _settings.VerpAddressFor(_primaryDomain());

    /// <summary>
    /// The MAIL FROM for the copy of message <paramref name="queueId"/> to <paramref name="recipient"/>: the VERP
    /// address (naming <paramref name="tenant"/> when the message has one and there is room) when VERP is on, else
    /// <paramref name="reversePath"/>. The null sender (a bounce or DSN) stays null: nothing may answer a bounce.
    /// </summary>
    public string ReturnPathFor(string reversePath, string queueId, string recipient, string? tenant = null) =>
        !VerpOn || reversePath.Length == 0 ? reversePath : Verp.Encode(queueId, recipient, tenant);

    /// <summary>
    /// The report address <paramref name="recipient"/> is, or null. VERP return paths are recognised whether VERP is on
    /// or not: bounces of mail sent while it was on keep arriving for days after it is turned off, and refusing them
    /// would lose them.
    /// </summary>
    public ReportAddress? Recognize(SmtpPath recipient)
    {
        if (recipient.IsNull || recipient.Domain is null) return null;
        var address = recipient.Address;
        if (_feedback.Contains(address)) return new ReportAddress(ReportKind.Feedback, address, null);
        var verp = Verp;
        if (!recipient.Domain.TrimEnd('.').Equals(verp.Domain, StringComparison.OrdinalIgnoreCase)) return null;
        return verp.TryDecode(address, out var target) ? new ReportAddress(ReportKind.Verp, address, target) : null;
    }
}
