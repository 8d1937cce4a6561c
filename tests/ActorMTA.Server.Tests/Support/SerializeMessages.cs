using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;

namespace ActorMTA.Server.Tests.Support;

/// <summary>
/// akka.actor.serialize-messages = on for entity tests: every message an actor sends goes through the serializer
/// bound to its type and the copy is delivered, as if it had crossed to another node. Akka's own persistence
/// plumbing is exempt (<see cref="LocalOnlySerializer"/>): its internal messages carry tasks and the entity's deferred
/// batches, never leave the node, and are not marked INoSerializationVerificationNeeded.
/// </summary>
public static class SerializeMessages
{
    public const string Config = """
        akka.actor.serialize-messages = on
        akka.actor.serializers.local-only = "ActorMTA.Server.Tests.Support.LocalOnlySerializer, ActorMTA.Server.Tests"
        akka.actor.serialization-bindings {
          "Akka.Persistence.Sql.Journal.Types.WriteFinished, Akka.Persistence.Sql" = local-only
          "Akka.Persistence.Journal.AsyncWriteJournal+Desequenced, Akka.Persistence" = local-only
        }
        """;
}

/// <summary>Hands the same object back: for node-local plumbing that serialize-messages would otherwise drop.</summary>
public sealed class LocalOnlySerializer(ExtendedActorSystem system) : Serializer(system)
{
    private static readonly ConcurrentDictionary<Guid, object> InFlight = new();

    public override int Identifier => 4799;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var key = Guid.NewGuid();
        InFlight[key] = obj;
        return key.ToByteArray();
    }

    public override object FromBinary(byte[] bytes, Type type) =>
        InFlight.TryRemove(new Guid(bytes), out var obj) ? obj : throw new InvalidOperationException("local-only message deserialized twice");
}
