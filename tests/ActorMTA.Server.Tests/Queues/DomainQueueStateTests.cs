using ActorMTA.Server.Queues;
using Xunit;

namespace ActorMTA.Server.Tests.Queues;

/// <summary>
/// The due and queued-at indexes of the scheduled queue: leased (in-flight) messages are out of both, due work is
/// read from the head only, expired mail is found without walking due mail. Counted, never timed.
/// </summary>
public sealed class DomainQueueStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DomainQueueState StateWith(int count, Func<int, DateTimeOffset> queuedAt)
    {
        var state = new DomainQueueState();
        for (var i = 0; i < count; i++)
            state.Apply(new DeliveryQueued($"Q{i:D6}", $"r{i}", "s@h.test", ["a@y.test"], 1, queuedAt(i)));
        return state;
    }

    [Fact]
    public void A_leased_message_is_in_neither_index_and_comes_back_with_its_new_next_attempt()
    {
        var state = StateWith(3, i => T0.AddSeconds(i));

        Assert.True(state.Lease("Q000000"));
        Assert.False(state.Lease("Q000000"));
        Assert.Equal((2, 1), (state.Waiting, state.Leased));
        Assert.Equal(["Q000001", "Q000002"], state.DueAt(T0.AddHours(1)).Select(e => e.QueueId));
        Assert.Equal(["Q000001", "Q000002"], state.QueuedUpTo(T0.AddHours(1)).Select(e => e.QueueId));
        Assert.Equal("Q000001", state.NextDue()!.QueueId);
        Assert.Equal("Q000001", state.OldestWaiting()!.QueueId);

        // Deferred while in flight: stays out of the indexes until the lease ends, then is due at its new time.
        state.Apply(new DeliveryAttempted("Q000000", [], [], true, T0.AddMinutes(5), "451 later"));
        Assert.Equal(2, state.Waiting);
        state.EndLease("Q000000");
        Assert.Equal((3, 0), (state.Waiting, state.Leased));
        Assert.Equal(["Q000001", "Q000002"], state.DueAt(T0.AddMinutes(1)).Select(e => e.QueueId));
        Assert.Equal("Q000000", state.OldestWaiting()!.QueueId);
    }

    [Fact]
    public void A_message_settled_or_removed_while_leased_does_not_come_back()
    {
        var state = StateWith(2, _ => T0);
        state.Lease("Q000000");
        state.Lease("Q000001");
        state.Apply(new DeliveryAttempted("Q000000", ["a@y.test"], [], true, T0, "delivered"));
        state.Apply(new DeliveryRemoved("Q000001", QueueRemovalReason.Deleted));

        state.EndLease("Q000000");
        state.EndLease("Q000001");

        Assert.Equal((0, 0), (state.Waiting, state.Leased));
        Assert.Null(state.NextDue());
        Assert.False(state.Lease("Q000000")); // nothing left to deliver
    }

    [Fact]
    public void Taking_due_work_past_a_huge_in_flight_backlog_visits_only_the_waiting_messages()
    {
        const int total = 100_000;
        var state = StateWith(total, i => T0.AddMilliseconds(i));
        foreach (var entry in state.DueAt(T0.AddHours(1)).Take(total - 10).ToList()) state.Lease(entry.QueueId);

        var visited = 0;
        var due = state.DueAt(T0.AddHours(1)).Select(e => { visited++; return e; }).ToList();

        Assert.Equal((10, total - 10), (state.Waiting, state.Leased));
        Assert.Equal(10, due.Count);
        Assert.Equal(10, visited);
    }

    [Fact]
    public void Taking_K_due_messages_from_100000_visits_K()
    {
        var state = StateWith(100_000, i => T0.AddMilliseconds(i));

        var visited = 0;
        var taken = state.DueAt(T0.AddHours(1)).Select(e => { visited++; return e; }).Take(25).ToList();

        Assert.Equal(25, taken.Count);
        Assert.Equal(25, visited);
        Assert.Equal("Q000000", taken[0].QueueId);
    }

    [Fact]
    public void Expired_messages_are_found_through_the_queued_at_index_without_walking_due_mail()
    {
        // 100,000 fresh messages due now, 3 old ones deferred for hours: the old ones are at the head of the
        // queued-at index however far back they sit in the due index.
        var state = StateWith(100_000, i => T0.AddDays(5).AddMilliseconds(i));
        for (var i = 0; i < 3; i++)
        {
            state.Apply(new DeliveryQueued($"OLD{i}", "r", "s@h.test", ["a@y.test"], 1, T0.AddSeconds(i)));
            state.Apply(new DeliveryAttempted($"OLD{i}", [], [], true, T0.AddDays(6), "451 later"));
        }

        var visited = 0;
        var expired = state.QueuedUpTo(T0.AddDays(1)).Select(e => { visited++; return e.QueueId; }).ToList();

        Assert.Equal(["OLD0", "OLD1", "OLD2"], expired);
        Assert.Equal(3, visited);
        Assert.Equal("OLD0", state.OldestWaiting()!.QueueId);
    }

    [Fact]
    public void Flush_moves_leased_messages_too_so_that_the_state_equals_its_replay()
    {
        var state = StateWith(2, _ => T0);
        state.Apply(new DeliveryAttempted("Q000000", [], [], true, T0.AddHours(1), "451"));
        state.Lease("Q000000");

        state.Apply(new QueueFlushed(T0.AddMinutes(1)));
        state.EndLease("Q000000");

        Assert.Equal(T0.AddMinutes(1), state.Find("Q000000")!.NextAttemptAt);
        Assert.Equal(["Q000001", "Q000000"], state.DueAt(T0.AddMinutes(1)).Select(e => e.QueueId));
    }

    [Fact]
    public void A_snapshot_holds_no_leases()
    {
        var state = StateWith(2, _ => T0);
        state.Lease("Q000000");

        var restored = DomainQueueState.FromSnapshot(state.ToSnapshot());

        Assert.Equal((2, 0), (restored.Waiting, restored.Leased));
    }

    [Fact]
    public void A_failure_of_mail_from_the_null_sender_waits_for_its_double_bounce_unless_it_is_one()
    {
        var state = new DomainQueueState();
        // A bounce (from <>) that failed: kept, so that the postmaster is told (a double bounce).
        state.Apply(new DeliveryQueued("BOUNCE.B1", "r1", "", ["sender@y.test"], 1, T0));
        state.Apply(new DeliveryAttempted("BOUNCE.B1", [], [new FailedDelivery("sender@y.test", "5.1.1", "smtp; 550 no", "mx.y.test", T0)], true, T0, "550"));
        // A double bounce that failed: the end of the line, dropped.
        state.Apply(new DeliveryQueued("BOUNCE.B1.D1", "r2", "", ["postmaster@z.test"], 1, T0));
        state.Apply(new DeliveryAttempted("BOUNCE.B1.D1", [], [new FailedDelivery("postmaster@z.test", "5.1.1", "smtp; 550 no", "mx.z.test", T0)], true, T0, "550"));

        Assert.Equal(["BOUNCE.B1"], state.AwaitingBounce().Select(e => e.QueueId));
        Assert.Single(state.Find("BOUNCE.B1")!.Failures);
        Assert.Empty(state.Find("BOUNCE.B1.D1")!.Failures);
    }
}
