using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// A reply from <paramref name="Site"/> that matches an automation rule (the queue checks before it sends); the
/// throttle starts the rule's actions, for every node sending from its source.
/// </summary>
public sealed record ReportSiteReply(string ThrottleKey, string Site, SmtpReply Reply) : ISendThrottleCommand;

/// <summary>An operator's action (`ctl site suspend`): <paramref name="Action"/> as the HOCON writes one ("suspend",
/// "message-rate = 10/min"). Answered with <see cref="SendThrottleStatus"/>.</summary>
public sealed record ImposeSendAction(string ThrottleKey, AutomationScope Scope, string Target, string Action, TimeSpan Duration, string Reason)
    : ISendThrottleCommand;

/// <summary>Ends every action in force for <paramref name="Target"/> (a site key or provider name; `ctl site resume`).
/// Answered with <see cref="SendThrottleStatus"/>.</summary>
public sealed record CancelSendActions(string ThrottleKey, string Target) : ISendThrottleCommand;

/// <summary>What the throttle holds now (`ctl shaping show`); answered with <see cref="SendThrottleStatus"/>.</summary>
public sealed record GetSendThrottleStatus(string ThrottleKey) : ISendThrottleCommand;

/// <param name="Open">Connections open per site, by every node.</param>
/// <param name="Active">The automation actions in force.</param>
/// <param name="Cancelled">How many actions the command that asked ended (CancelSendActions), else 0.</param>
public sealed record SendThrottleStatus(string ThrottleKey, IReadOnlyList<SiteConnections> Open, IReadOnlyList<ActiveAutomation> Active, int Cancelled = 0)
    : IClusterMessage;

public sealed record SiteConnections(string Site, int Open);
