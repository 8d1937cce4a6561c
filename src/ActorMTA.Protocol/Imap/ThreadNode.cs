namespace ActorMTA.Protocol.Imap;

/// <summary>A message in a THREAD response; <paramref name="Number"/> null is a placeholder for a missing parent (REFERENCES).</summary>
public sealed record ThreadNode(uint? Number, IReadOnlyList<ThreadNode> Children)
{
    public static ThreadNode Leaf(uint number) => new(number, []);
}
