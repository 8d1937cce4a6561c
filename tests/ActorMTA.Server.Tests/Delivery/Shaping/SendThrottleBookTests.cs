using ActorMTA.Server.Delivery.Shaping;
using Xunit;

namespace ActorMTA.Server.Tests.Delivery.Shaping;

public sealed class SendThrottleBookTests
{
    private const string Mx = "mx.example.net";
    private const string Mx2 = "mx2.example.net";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan ConnectionRetry = SendThrottleBook<string>.ConnectionRetry;

    private static SendLimits Limits(int connections = 10, int provider = 0, string messageRate = "unlimited", string connectionRate = "unlimited") =>
        new(connections, provider, ShapingRate.Parse(messageRate, "message-rate"), ShapingRate.Parse(connectionRate, "connection-rate"));

    private static void AssertRetry(double milliseconds, SendGrant grant) =>
        Assert.Equal(milliseconds, grant.RetryAfter.TotalMilliseconds, 3);

    [Fact]
    public void The_connection_limit_of_a_site_is_shared_by_its_holders()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 3);

        Assert.Equal(new SendGrant(2, 0, TimeSpan.Zero), book.Acquire("a", Mx, limits, held: 0, connections: 2, messages: 0, Start));
        Assert.Equal(new SendGrant(1, 0, ConnectionRetry), book.Acquire("b", Mx, limits, held: 0, connections: 2, messages: 0, Start));
        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("a", Mx, limits, held: 2, connections: 1, messages: 0, Start));
        Assert.Equal(3, book.Open(Mx));

        Assert.Equal(new SendGrant(3, 0, TimeSpan.Zero), book.Acquire("a", Mx2, limits, held: 0, connections: 3, messages: 0, Start));
        Assert.Equal(3, book.Open(Mx2));
        Assert.Equal(6, book.OpenTotal);
    }

    [Fact]
    public void A_refused_holder_has_the_other_holders_nudged_at_most_every_100_ms()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 2);
        book.Acquire("a", Mx, limits, held: 0, connections: 1, messages: 0, Start);
        book.Acquire("b", Mx, limits, held: 0, connections: 1, messages: 0, Start);
        Assert.Equal(ConnectionRetry, book.Acquire("c", Mx, limits, held: 0, connections: 1, messages: 0, Start).RetryAfter);

        Assert.Equal(["a", "b"], book.HoldersToNudge("c", Mx, Start).Order());
        Assert.Empty(book.HoldersToNudge("c", Mx, Start.AddMilliseconds(50)));
        // The refused holder itself is never nudged, and a holder with nothing open has nothing to close.
        book.Release("b", Mx, 1);
        Assert.Equal(["a"], book.HoldersToNudge("b", Mx, Start.AddMilliseconds(150)));
        Assert.Empty(book.HoldersToNudge("a", "unknown.example.net", Start.AddSeconds(1)));
    }

    [Fact]
    public void The_provider_connection_limit_counts_the_connections_to_every_site()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 5, provider: 3);

        Assert.Equal(new SendGrant(2, 0, TimeSpan.Zero), book.Acquire("a", Mx, limits, 0, 2, 0, Start));
        Assert.Equal(new SendGrant(1, 0, ConnectionRetry), book.Acquire("b", Mx2, limits, 0, 2, 0, Start));
        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("a", Mx, limits, 2, 1, 0, Start));
        Assert.Equal((2, 1, 3), (book.Open(Mx), book.Open(Mx2), book.OpenTotal));

        Assert.Equal(["a", "b"], book.Release("a", Mx, 1).Order());
        Assert.Equal(new SendGrant(1, 0, TimeSpan.Zero), book.Acquire("b", Mx2, limits, 1, 1, 0, Start));
        Assert.Equal((1, 2, 3), (book.Open(Mx), book.Open(Mx2), book.OpenTotal));
    }

    [Fact]
    public void Without_a_provider_limit_each_site_only_has_its_own()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 2, provider: 0);

        Assert.Equal(2, book.Acquire("a", Mx, limits, 0, 5, 0, Start).Connections);
        Assert.Equal(2, book.Acquire("a", Mx2, limits, 0, 5, 0, Start).Connections);
        Assert.Equal(4, book.OpenTotal);
    }

    [Fact]
    public void The_held_count_in_a_request_replaces_what_the_book_had_for_the_holder()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 2);
        book.Acquire("a", Mx, limits, 0, 2, 0, Start);
        Assert.Equal(0, book.Acquire("b", Mx, limits, 0, 1, 0, Start).Connections);

        // a closed one connection and its release was lost: its next request says it holds one.
        Assert.Equal(0, book.Acquire("a", Mx, limits, held: 1, connections: 0, messages: 0, Start).Connections);
        Assert.Equal(1, book.Open(Mx));
        Assert.Equal(1, book.Acquire("b", Mx, limits, 0, 1, 0, Start).Connections);

        Assert.Equal(0, book.Acquire("a", Mx, limits, held: 0, connections: 0, messages: 0, Start).Connections);
        Assert.Equal(1, book.Open(Mx));
    }

    [Fact]
    public void A_book_that_starts_empty_learns_open_connections_from_the_held_counts()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 3);

        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("a", Mx, limits, held: 3, connections: 1, messages: 0, Start));
        Assert.Equal(3, book.Open(Mx));
        Assert.Equal(0, book.Acquire("b", Mx, limits, held: 0, connections: 1, messages: 0, Start).Connections);
        Assert.True(book.Knows("a"));
    }

    [Fact]
    public void Messages_are_not_granted_to_a_holder_with_no_connection_nor_spent_on_it()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1, messageRate: "50/s");

        Assert.Equal(new SendGrant(0, 0, TimeSpan.Zero), book.Acquire("a", Mx, limits, held: 0, connections: 0, messages: 5, Start));
        var b = book.Acquire("b", Mx, limits, held: 0, connections: 1, messages: 5, Start);
        Assert.Equal((1, 2), (b.Connections, b.Messages));
        AssertRetry(20, b);

        var refused = book.Acquire("a", Mx, limits, held: 0, connections: 1, messages: 5, Start.AddMilliseconds(40));
        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), refused);
        Assert.Equal(2, book.Acquire("b", Mx, limits, held: 1, connections: 0, messages: 5, Start.AddMilliseconds(40)).Messages);
    }

    [Fact]
    public void A_connection_granted_in_the_same_request_carries_messages()
    {
        var book = new SendThrottleBook<string>();

        var grant = book.Acquire("a", Mx, Limits(messageRate: "1000/s"), held: 0, connections: 1, messages: 80, Start);

        Assert.Equal((1, 50), (grant.Connections, grant.Messages));
        AssertRetry(1, grant);
    }

    [Fact]
    public void The_message_rate_is_shared_by_the_holders_of_a_site()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(messageRate: "50/s");

        Assert.Equal(2, book.Acquire("a", Mx, limits, 1, 0, 2, Start).Messages);
        var b = book.Acquire("b", Mx, limits, 1, 0, 2, Start);
        Assert.Equal(0, b.Messages);
        AssertRetry(20, b);

        var later = book.Acquire("b", Mx, limits, 1, 0, 2, Start.AddMilliseconds(20));
        Assert.Equal(1, later.Messages);
        AssertRetry(20, later);
    }

    [Fact]
    public void Over_ten_seconds_two_eager_holders_together_get_the_message_rate()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(messageRate: "50/s");
        var granted = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };

        for (var ms = 0; ms <= 10_000; ms++)
        {
            if (ms % 15 == 0) granted["a"] += book.Acquire("a", Mx, limits, held: 1, connections: 0, messages: 10, Start.AddMilliseconds(ms)).Messages;
            if (ms % 7 == 0) granted["b"] += book.Acquire("b", Mx, limits, held: 1, connections: 0, messages: 10, Start.AddMilliseconds(ms)).Messages;
        }

        Assert.InRange(granted["a"] + granted["b"], 500, 502);
        Assert.True(granted["a"] > 50 && granted["b"] > 50, $"a {granted["a"]}, b {granted["b"]}");
    }

    [Theory]
    [InlineData("3/s")]
    [InlineData("7/s")]
    [InlineData("13/min")]
    public void A_holder_held_back_by_the_message_rate_is_always_told_when_to_ask_again(string rate)
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(messageRate: rate);
        var now = Start;

        for (var i = 0; i < 100; i++)
        {
            var grant = book.Acquire("a", Mx, limits, held: 1, connections: 0, messages: 5, now);
            Assert.True(grant.RetryAfter > TimeSpan.Zero, $"{rate}: {grant.Messages} of 5 granted at {now - Start}, and no retry");
            now += grant.RetryAfter;
        }
    }

    [Fact]
    public void The_connection_rate_limits_new_connections_and_says_when_the_next_is_due()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connectionRate: "4/s");

        var first = book.Acquire("a", Mx, limits, 0, 3, 0, Start);
        Assert.Equal(1, first.Connections);
        AssertRetry(250, first);

        Assert.Equal(0, book.Acquire("b", Mx, limits, 0, 1, 0, Start.AddMilliseconds(100)).Connections);
        Assert.Equal(1, book.Acquire("b", Mx, limits, 0, 1, 0, Start.AddMilliseconds(260)).Connections);
        Assert.Equal(2, book.Open(Mx));
    }

    [Fact]
    public void Retry_after_is_the_connection_retry_when_the_connection_limit_refused()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1, connectionRate: "1000/s");
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);

        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("b", Mx, limits, 0, 1, 0, Start));
        Assert.Equal(TimeSpan.FromSeconds(1), ConnectionRetry);
    }

    [Fact]
    public void Retry_after_is_the_sooner_of_what_refused_the_connections_and_the_messages()
    {
        var book = new SendThrottleBook<string>();
        var full = Limits(connections: 1, messageRate: "50/s");
        book.Acquire("a", Mx, full, 0, 1, 0, Start);

        var grant = book.Acquire("a", Mx, full, held: 1, connections: 1, messages: 5, Start);
        Assert.Equal((0, 2), (grant.Connections, grant.Messages));
        AssertRetry(20, grant);

        var slow = Limits(messageRate: "50/s", connectionRate: "1/min");
        var both = book.Acquire("b", Mx2, slow, held: 0, connections: 2, messages: 5, Start);
        Assert.Equal((1, 2), (both.Connections, both.Messages));
        AssertRetry(20, both);

        var connectionsOnly = book.Acquire("b", Mx2, slow, held: 1, connections: 1, messages: 0, Start);
        AssertRetry(60_000, connectionsOnly);
    }

    [Fact]
    public void Retry_after_is_zero_when_everything_asked_was_granted()
    {
        var book = new SendThrottleBook<string>();

        Assert.Equal(new SendGrant(2, 2, TimeSpan.Zero), book.Acquire("a", Mx, Limits(messageRate: "50/s", connectionRate: "50/s"), 0, 2, 2, Start));
    }

    [Fact]
    public void A_release_wakes_every_holder_refused_a_connection_once()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1);
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        book.Acquire("b", Mx, limits, 0, 1, 0, Start);
        book.Acquire("c", Mx, limits, 0, 2, 0, Start);

        Assert.Equal(["b", "c"], book.Release("a", Mx, 1).Order());
        Assert.Equal(0, book.Open(Mx));
        Assert.Empty(book.Release("a", Mx, 1));

        book.Acquire("b", Mx, limits, 0, 1, 0, Start);
        Assert.Empty(book.Release("b", Mx, 1));
    }

    [Fact]
    public void A_holder_refused_again_after_being_woken_is_woken_again()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1);
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        book.Acquire("b", Mx, limits, 0, 1, 0, Start);
        Assert.Equal(["b"], book.Release("a", Mx, 1));

        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        Assert.Equal(0, book.Acquire("b", Mx, limits, 0, 1, 0, Start).Connections);

        Assert.Equal(["b"], book.Release("a", Mx, 1));
    }

    [Fact]
    public void A_release_of_nothing_held_wakes_no_one()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1);
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        book.Acquire("b", Mx, limits, 0, 1, 0, Start);

        Assert.Empty(book.Release("b", Mx, 1));
        Assert.Empty(book.Release("a", Mx2, 1));
        Assert.Empty(book.Release("a", "unknown.example", 1));

        Assert.Equal(["b"], book.Release("a", Mx, 1));
    }

    [Fact]
    public void A_partial_release_keeps_the_rest_and_an_excessive_one_frees_all()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 3);
        book.Acquire("a", Mx, limits, 0, 3, 0, Start);
        book.Acquire("b", Mx, limits, 0, 1, 0, Start);

        Assert.Equal(["b"], book.Release("a", Mx, 1));
        Assert.Equal(2, book.Open(Mx));
        Assert.Empty(book.Release("a", Mx, 5));
        Assert.Equal(0, book.Open(Mx));
        Assert.False(book.Knows("a"));
    }

    [Fact]
    public void A_holder_held_back_by_a_rate_only_is_not_woken_by_a_release()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 10, connectionRate: "4/s");
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        Assert.Equal(0, book.Acquire("b", Mx, limits, 0, 1, 0, Start).Connections);

        Assert.Empty(book.Release("a", Mx, 1));
    }

    [Fact]
    public void Forgetting_a_holder_frees_its_connections_on_every_site_and_wakes_the_refused_once()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1, provider: 2);
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        book.Acquire("a", Mx2, limits, 0, 1, 0, Start);
        Assert.Equal(0, book.Acquire("b", Mx, limits, 0, 1, 0, Start).Connections);

        Assert.Equal(["b"], book.Forget("a"));
        Assert.Equal(0, book.OpenTotal);
        Assert.False(book.Knows("a"));
        Assert.Empty(book.Forget("a"));
    }

    [Fact]
    public void Forgetting_a_holder_that_held_nothing_wakes_no_one_and_a_forgotten_one_is_not_woken()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1);
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        book.Acquire("b", Mx, limits, 0, 1, 0, Start);
        book.Acquire("c", Mx, limits, 0, 1, 0, Start);
        Assert.True(book.Knows("b"));

        Assert.Empty(book.Forget("z"));
        Assert.Empty(book.Forget("b"));
        Assert.False(book.Knows("b"));

        Assert.Equal(["c"], book.Release("a", Mx, 1));
    }

    [Fact]
    public void A_holder_that_got_nothing_and_holds_nothing_is_not_known()
    {
        var book = new SendThrottleBook<string>();

        book.Acquire("a", Mx, Limits(messageRate: "50/s"), held: 0, connections: 0, messages: 5, Start);

        Assert.False(book.Knows("a"));
    }

    [Fact]
    public void The_book_is_idle_with_nothing_open_no_one_waiting_and_every_rate_at_rest()
    {
        var book = new SendThrottleBook<string>();
        Assert.True(book.Idle(Start));

        var limits = Limits(connections: 1, messageRate: "50/s");
        book.Acquire("a", Mx, limits, 0, 1, 2, Start);
        Assert.False(book.Idle(Start));

        book.Release("a", Mx, 1);
        Assert.False(book.Idle(Start.AddMilliseconds(39)));
        Assert.True(book.Idle(Start.AddMilliseconds(60)));
    }

    [Fact]
    public void A_waiting_holder_keeps_the_book_busy_until_it_is_woken_or_forgotten()
    {
        var book = new SendThrottleBook<string>();
        var limits = Limits(connections: 1);
        book.Acquire("a", Mx, limits, 0, 1, 0, Start);
        book.Acquire("b", Mx, limits, 0, 1, 0, Start);

        book.Acquire("a", Mx, limits, held: 0, connections: 0, messages: 0, Start);
        Assert.Equal(0, book.Open(Mx));
        Assert.False(book.Idle(Start.AddMinutes(5)));

        book.Forget("b");
        Assert.True(book.Idle(Start.AddMinutes(5)));
    }

    [Fact]
    public void A_new_rate_takes_effect_with_the_next_request()
    {
        var book = new SendThrottleBook<string>();
        Assert.Equal(2, book.Acquire("a", Mx, Limits(messageRate: "50/s"), 1, 0, 100, Start).Messages);
        Assert.Equal(0, book.Acquire("a", Mx, Limits(messageRate: "50/s"), 1, 0, 100, Start).Messages);

        Assert.Equal(50, book.Acquire("a", Mx, Limits(messageRate: "1000/s"), 1, 0, 100, Start).Messages);
        Assert.Equal(0, book.Acquire("a", Mx, Limits(messageRate: "1000/s"), 1, 0, 100, Start).Messages);
        Assert.Equal(int.MaxValue, book.Acquire("a", Mx, Limits(messageRate: "unlimited"), 1, 0, int.MaxValue, Start).Messages);
    }

    [Fact]
    public void A_new_connection_limit_takes_effect_and_leaves_the_rates_where_they_were()
    {
        var book = new SendThrottleBook<string>();
        book.Acquire("a", Mx, Limits(connections: 1, messageRate: "50/s"), 0, 1, 2, Start);
        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("b", Mx, Limits(connections: 1, messageRate: "50/s"), 0, 1, 2, Start));

        var raised = book.Acquire("b", Mx, Limits(connections: 2, messageRate: "50/s"), 0, 1, 2, Start);

        Assert.Equal(1, raised.Connections);
        Assert.Equal(0, raised.Messages);
        AssertRetry(20, raised);
    }

    [Fact]
    public void Limits_equal_to_the_last_leave_the_rates_where_they_were()
    {
        var book = new SendThrottleBook<string>();
        book.Acquire("a", Mx, Limits(messageRate: "50/s", connectionRate: "50/s"), 0, 2, 2, Start);

        var again = book.Acquire("a", Mx, Limits(messageRate: "50/s", connectionRate: "50/s"), 2, 2, 2, Start);

        Assert.Equal((0, 0), (again.Connections, again.Messages));
    }

    [Fact]
    public void A_lowered_connection_limit_refuses_holders_over_it()
    {
        var book = new SendThrottleBook<string>();
        book.Acquire("a", Mx, Limits(connections: 5), 0, 5, 0, Start);

        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("b", Mx, Limits(connections: 2), 0, 1, 0, Start));
        Assert.Equal(new SendGrant(0, 0, ConnectionRetry), book.Acquire("a", Mx, Limits(connections: 2), 5, 1, 0, Start));
        Assert.Equal(5, book.Open(Mx));
    }
}
