using ActorMTA.Server.Mailboxes;
using Xunit;

namespace ActorMTA.Server.Tests.Mailboxes;

public sealed class RetainedContentTests
{
    [Fact]
    public void Content_nobody_views_is_released_at_once_and_nothing_is_kept()
    {
        var retained = new RetainedContent<string>();
        Assert.True(retained.ReleaseNowOrOwe("ref-1", []));
        Assert.True(retained.IsEmpty);
    }

    [Fact]
    public void The_release_is_owed_until_the_last_viewer_is_done()
    {
        var retained = new RetainedContent<string>();
        Assert.False(retained.ReleaseNowOrOwe("ref-1", ["a", "b"]));
        Assert.Equal(0, retained.Drop("a", "ref-1"));
        Assert.Equal(0, retained.Drop("a", "ref-1")); // told twice: still one viewer left
        Assert.Equal(0, retained.Drop("c", "ref-1")); // never a viewer
        Assert.Equal(1, retained.Drop("b", "ref-1"));
        Assert.True(retained.IsEmpty);
        Assert.Equal(0, retained.Drop("b", "ref-1"));
    }

    [Fact]
    public void A_viewer_that_unselects_or_dies_frees_what_only_it_held()
    {
        var retained = new RetainedContent<string>();
        retained.ReleaseNowOrOwe("ref-1", ["a"]);
        retained.ReleaseNowOrOwe("ref-2", ["a", "b"]);
        Assert.Equal(["ref-1"], retained.DropAll("a"));
        Assert.Equal(["ref-2"], retained.DropAll("b"));
        Assert.True(retained.IsEmpty);
    }

    [Fact]
    public void A_moved_message_is_watched_without_a_release_and_its_later_expunge_waits_for_the_old_viewers()
    {
        var retained = new RetainedContent<string>();
        retained.WatchOnly("ref-1", ["a"]);
        Assert.Equal(0, retained.Drop("a", "ref-1"));
        Assert.True(retained.IsEmpty);

        retained.WatchOnly("ref-2", ["a"]);
        // The moved copy is expunged where nobody else views it: still owed to A.
        Assert.False(retained.ReleaseNowOrOwe("ref-2", []));
        Assert.Equal(["ref-2"], retained.DropAll("a"));
        Assert.True(retained.IsEmpty);

        retained.WatchOnly("ref-3", []);
        Assert.True(retained.IsEmpty);
    }
}
