using ActorMTA.Server.Cluster;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Greylisting;

/// <summary>
/// The Greylist entity: one per client network (entity id "192.0.2.0/24"), sharded and persistent, holding the
/// network's triplets and its pass count. Decides each <see cref="CheckGreylist"/> with <see cref="GreylistPolicy"/> and
/// answers once the event it caused is persisted, so a pass or a first-seen time is never forgotten by a crash after
/// the client was told. Commands arriving during a write are decided together and written with one PersistAll (see
/// <see cref="BatchingPersistentEntity"/>). Expired triplets are dropped when a snapshot is taken; the entity
/// passivates after passivate-after without traffic.
/// </summary>
public sealed class Greylist : BatchingPersistentEntity
{
    private readonly string _network;
    private readonly GreylistSettings _settings;
    private readonly GreylistPolicy _policy;
    private GreylistState _state;

    public Greylist(string network, GreylistSettings settings, TimeProvider clock, PersistenceCounter counter)
        : base(settings.MaxBatch, settings.SnapshotEvery, counter)
    {
        _network = network;
        _settings = settings;
        _policy = new GreylistPolicy(settings, clock);
        _state = new GreylistState(settings.MaxTripletsPerNetwork);
        PersistenceId = PersistenceIdOf(network);
        Context.SetReceiveTimeout(settings.PassivateAfter);
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdOf(string network) => "greylist|" + network;

    public static Props Props(string network, GreylistSettings settings, TimeProvider clock, PersistenceCounter counter) =>
        Akka.Actor.Props.Create(() => new Greylist(network, settings, clock, counter));

    protected override bool IsCommand(object message) => message is IGreylistCommand;

    protected override void Decide(object command, IActorRef sender, CommandBatch batch)
    {
        switch (command)
        {
            case CheckGreylist check:
                var decision = _policy.Decide(_network, _state, check.Sender, check.Recipient);
                if (decision.Event is { } e) batch.Emit(e);
                batch.Reply(sender, decision.Verdict);
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    protected override bool ApplyEvent(object @event)
    {
        if (@event is not IGreylistEvent e) return false;
        _state.Apply(e);
        return true;
    }

    // Taken between batches, when the state is exactly what is persisted: dropping expired triplets here changes no
    // decision (an expired triplet and a missing one both start over), and keeps them out of every later snapshot.
    protected override object CreateSnapshot()
    {
        var pruned = _policy.Prune(_state);
        if (pruned > 0) Log.Debug("{0}: {1} expired triplets dropped", PersistenceId, pruned);
        return _state.ToSnapshot();
    }

    protected override int SnapshotSize => _state.Count;

    protected override bool ApplySnapshot(object snapshot)
    {
        if (snapshot is not GreylistSnapshot s) return false;
        _state = GreylistState.FromSnapshot(s, _settings.MaxTripletsPerNetwork);
        return true;
    }

    protected override bool ReceiveOther(object message)
    {
        switch (message)
        {
            case ReceiveTimeout:
                if (IsIdle) RequestPassivation();
                return true;
            default:
                return false;
        }
    }
}
