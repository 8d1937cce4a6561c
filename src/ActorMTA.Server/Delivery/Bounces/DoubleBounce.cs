namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>
/// A double bounce: the report that mail from the null sender (a bounce, most often) could not be delivered, or that
/// a bounce has no place to go. It goes to the postmaster of the primary domain, as Postfix does, never to the null
/// sender. When a double bounce cannot be delivered either, it is logged and dropped: the only mail ever dropped, and
/// the end of any loop. Its queue id is "&lt;id&gt;.D&lt;n&gt;" (queue ids have no dot), which is how it is recognised.
/// </summary>
public static class DoubleBounce
{
    public static string QueueIdFor(string queueId, int number) => $"{queueId}.D{number}";

    public static bool IsDoubleBounce(string queueId)
    {
        var at = queueId.LastIndexOf(".D", StringComparison.Ordinal);
        if (at <= 0 || at + 2 >= queueId.Length) return false;
        for (var i = at + 2; i < queueId.Length; i++)
            if (!char.IsAsciiDigit(queueId[i])) return false;
        return true;
    }
}
