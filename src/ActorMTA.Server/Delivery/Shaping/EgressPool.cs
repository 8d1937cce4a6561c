namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>A named, weighted set of egress sources (actormta.egress.pools), in configuration order.</summary>
public sealed record EgressPool(string Name, IReadOnlyList<(EgressSource Source, int Weight)> Members)
{
    /// <summary>The pool every message falls back to.</summary>
    public const string DefaultName = "default";

    /// <summary>A fresh rotation over this pool's sources; each owner keeps its own, so picks stay smooth per owner.</summary>
    public WeightedRoundRobin<EgressSource> Rotation() => new(Members);
}
