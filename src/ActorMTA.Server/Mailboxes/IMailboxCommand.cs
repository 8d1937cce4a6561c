using ActorMTA.Server.Serialization;

namespace ActorMTA.Server.Mailboxes;

/// <summary>A message for the Mailbox entity of <see cref="Address"/> (routed by the lower-cased address).</summary>
public interface IMailboxCommand : IClusterMessage
{
    string Address { get; }
}
