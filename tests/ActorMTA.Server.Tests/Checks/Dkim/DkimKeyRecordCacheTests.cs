using ActorMTA.Server.Checks.Dkim;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Dkim;

public sealed class DkimKeyRecordCacheTests
{
    [Fact]
    public void The_same_text_is_parsed_once()
    {
        var txt = DkimTestKeys.Record(DkimTestKeys.Rsa2048);
        var first = DkimKeyRecordCache.Parse(txt, out _);
        var second = DkimKeyRecordCache.Parse(txt, out _);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Same(first!.Key, second!.Key);
    }

    [Fact]
    public void A_bad_record_keeps_its_reason()
    {
        var record = DkimKeyRecordCache.Parse("v=DKIM1; k=dsa; p=", out var error);
        var again = DkimKeyRecordCache.Parse("v=DKIM1; k=dsa; p=", out var errorAgain);

        Assert.Null(record);
        Assert.Null(again);
        Assert.Contains("unknown key type", error);
        Assert.Equal(error, errorAgain);
    }

    [Fact]
    public void The_cache_stays_within_its_capacity()
    {
        for (var i = 0; i <= DkimKeyRecordCache.Capacity; i++) DkimKeyRecordCache.Parse($"v=DKIM1; k=bad{i}; p=", out _);

        Assert.InRange(DkimKeyRecordCache.Count, 1, DkimKeyRecordCache.Capacity);
    }
}
