using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>SORT and THREAD (RFC 5256, RFC 5957): parsing, base subject, ordering, threading and responses.</summary>
public class SortThreadTests
{
    private static string Format(ImapResponse response) => ImapWire.Text(response);

    [Fact]
    public void Rfc5256_sort_commands_are_parsed()
    {
        var sort = Assert.IsType<ImapCommand.Sort>(ImapWire.Parse("A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994"));
        Assert.Equal([new SortCriterion(SortKey.Subject)], sort.SortBy);
        Assert.Equal("UTF-8", sort.Charset);
        Assert.Equal(new SearchKey.InternalDate(DateComparison.Since, new DateOnly(1994, 2, 1)), sort.Criteria);
        Assert.False(sort.ByUid);

        sort = Assert.IsType<ImapCommand.Sort>(ImapWire.Parse("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL"));
        Assert.Equal([new SortCriterion(SortKey.Subject), new SortCriterion(SortKey.Date, Reverse: true)], sort.SortBy);

        sort = Assert.IsType<ImapCommand.Sort>(ImapWire.Parse("A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\""));
        Assert.Equal(new SearchKey.Text("not in mailbox"), sort.Criteria);

        sort = Assert.IsType<ImapCommand.Sort>(ImapWire.Parse("a UID SORT (ARRIVAL CC FROM SIZE TO DISPLAYFROM REVERSE DISPLAYTO) UTF-8 UNSEEN"));
        Assert.True(sort.ByUid);
        Assert.Equal("UID SORT", sort.Name);
        Assert.Equal([SortKey.Arrival, SortKey.Cc, SortKey.From, SortKey.Size, SortKey.To, SortKey.DisplayFrom, SortKey.DisplayTo],
            sort.SortBy.Select(c => c.Key));
        Assert.True(sort.SortBy[^1].Reverse);
    }

    [Fact]
    public void Bad_sort_and_thread_commands()
    {
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a SORT (BOGUS) UTF-8 ALL").Response));
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a SORT SUBJECT UTF-8 ALL").Response));
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a SORT () UTF-8 ALL").Response));
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a SORT (SUBJECT) UTF-8").Response));
        Assert.StartsWith("a NO [BADCHARSET (UTF-8 US-ASCII)]", ImapWire.Text(ImapWire.Reject("a SORT (SUBJECT) KOI8-R ALL").Response));
        Assert.StartsWith("a BAD", ImapWire.Text(ImapWire.Reject("a THREAD BOGUS UTF-8 ALL").Response));
        Assert.StartsWith("a NO [BADCHARSET", ImapWire.Text(ImapWire.Reject("a THREAD REFERENCES X-NONE ALL").Response));
    }

    [Fact]
    public void Rfc5256_thread_commands_are_parsed()
    {
        var thread = Assert.IsType<ImapCommand.Thread>(ImapWire.Parse("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000"));
        Assert.Equal(ThreadAlgorithm.OrderedSubject, thread.Algorithm);
        Assert.Equal(new SearchKey.InternalDate(DateComparison.Since, new DateOnly(2000, 3, 5)), thread.Criteria);
        var uid = Assert.IsType<ImapCommand.Thread>(ImapWire.Parse("A285 UID THREAD REFERENCES UTF-8 ALL"));
        Assert.Equal(ThreadAlgorithm.References, uid.Algorithm);
        Assert.True(uid.ByUid);
    }

    [Theory]
    [InlineData("Hello", "Hello")]
    [InlineData("Re: Hello", "Hello")]
    [InlineData("RE:  re: Fwd: hello", "hello")]
    [InlineData("Fw: Hello (fwd)", "Hello")]
    [InlineData("Re[2]: Hello", "Hello")]
    [InlineData("[list] Re: Hello", "Hello")]
    [InlineData("[list] Hello", "Hello")]
    [InlineData("[list]", "[list]")]
    [InlineData("[Fwd: Re: Hello]", "Hello")]
    [InlineData("  Hello \t  world  ", "Hello world")]
    [InlineData("Re: [fwd: Hello (fwd)]", "Hello")]
    [InlineData("Reply to all", "Reply to all")]
    [InlineData("", "")]
    public void Base_subject_follows_rfc5256_section_2_1(string subject, string expected)
    {
        Assert.Equal(expected, BaseSubject.Extract(subject));
    }

    [Fact]
    public void Base_subject_knows_replies_and_forwards()
    {
        BaseSubject.Extract("Re: x", out var reply);
        Assert.True(reply);
        BaseSubject.Extract("x (fwd)", out var forward);
        Assert.True(forward);
        BaseSubject.Extract("[list] x", out var plain);
        Assert.False(plain);
    }

    private static SortFields Fields(uint sequence, string subject = "", int day = 1, long size = 0, string from = "", string displayFrom = "",
        int arrivalDay = 1) =>
        new(sequence, sequence * 10, new DateTimeOffset(2026, 1, arrivalDay, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, day, 0, 0, 0, TimeSpan.Zero),
            size, subject, from, "", "", displayFrom, "");

    [Fact]
    public void Rfc5256_sort_example_subject_then_reverse_date()
    {
        // A283 SORT (SUBJECT REVERSE DATE): * SORT 5 3 4 1 2
        SortFields[] messages =
        [
            Fields(1, "b", day: 1), Fields(2, "c", day: 2), Fields(3, "a", day: 3), Fields(4, "b", day: 4), Fields(5, "a", day: 5),
        ];
        var sorted = SortOrder.Sort(messages.Select(m => m with { Number = m.Sequence }), [new(SortKey.Subject), new(SortKey.Date, true)]);
        Assert.Equal([5u, 3u, 4u, 1u, 2u], sorted);
        Assert.Equal("* SORT 5 3 4 1 2\r\n", Format(new ImapResponse.Sort(sorted)));
        Assert.Equal("* SORT\r\n", Format(new ImapResponse.Sort([])));
    }

    [Fact]
    public void Sort_keys_ties_and_reverse()
    {
        SortFields[] messages = [Fields(1, size: 30, from: "bob", displayFrom: "Zed"), Fields(2, size: 10, from: "Alice", displayFrom: "amy"),
            Fields(3, size: 30, from: "alice", displayFrom: "Amy", arrivalDay: 2)];
        Assert.Equal([20u, 10u, 30u], SortOrder.Sort(messages, [new(SortKey.Size)]));
        Assert.Equal([10u, 30u, 20u], SortOrder.Sort(messages, [new(SortKey.Size, true)]));
        // i;ascii-casemap: "Alice" and "alice" are equal; the sequence number decides.
        Assert.Equal([20u, 30u, 10u], SortOrder.Sort(messages, [new(SortKey.From)]));
        Assert.Equal([20u, 30u, 10u], SortOrder.Sort(messages, [new(SortKey.DisplayFrom)]));
        Assert.Equal([30u, 10u, 20u], SortOrder.Sort(messages, [new(SortKey.Arrival, true)]));
        Assert.Equal([10u, 20u, 30u], SortOrder.Sort(messages, [new(SortKey.To)]));
    }

    [Fact]
    public void Sort_display_values_follow_rfc5957()
    {
        Assert.Equal("Alice Smith", SortFields.DisplayValue(" Alice Smith ", "alice@example.org"));
        Assert.Equal("alice@example.org", SortFields.DisplayValue("", "alice@example.org"));
        Assert.Equal("", SortFields.DisplayValue(null, null));
        Assert.Equal("alice", SortFields.Mailbox("alice@example.org"));
    }

    [Fact]
    public void Rfc5256_thread_list_syntax()
    {
        // Section 4: (2)(3 6 (4 23)(44 7 96))
        var threads = new ImapResponse.Thread([
            ThreadNode.Leaf(2),
            new ThreadNode(3, [new ThreadNode(6, [new ThreadNode(4, [ThreadNode.Leaf(23)]), new ThreadNode(44, [new ThreadNode(7, [ThreadNode.Leaf(96)])])])]),
        ]);
        Assert.Equal("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n", Format(threads));
        // A placeholder parent (REFERENCES): ((3)(5)).
        Assert.Equal("* THREAD ((3)(5))\r\n", Format(new ImapResponse.Thread([new ThreadNode(null, [ThreadNode.Leaf(3), ThreadNode.Leaf(5)])])));
        Assert.Equal("* THREAD\r\n", Format(new ImapResponse.Thread([])));
    }

    private static ThreadMessage Message(uint number, string subject, int day, string? id = null, params string[] references)
    {
        var baseSubject = BaseSubject.Extract(subject, out var reply);
        return new ThreadMessage(number, number, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day - 1), baseSubject, reply, id, references);
    }

    private static string Thread(ThreadAlgorithm algorithm, params ThreadMessage[] messages) =>
        Format(new ImapResponse.Thread(MessageThreader.Thread(algorithm, messages)));

    [Fact]
    public void Orderedsubject_groups_by_base_subject_under_the_earliest()
    {
        var result = Thread(ThreadAlgorithm.OrderedSubject,
            Message(1, "Lunch", 3), Message(2, "Re: lunch", 5), Message(3, "Other", 1), Message(4, "Re: Lunch", 4), Message(5, "re: other", 2),
            Message(6, "Alone", 6));
        Assert.Equal("* THREAD (3 5)(1 (4)(2))(6)\r\n", result);
    }

    [Fact]
    public void References_links_by_message_ids()
    {
        var result = Thread(ThreadAlgorithm.References,
            Message(1, "Plan", 1, "a@x"),
            Message(2, "Re: Plan", 2, "b@x", "a@x"),
            Message(3, "Re: Plan", 3, "c@x", "a@x", "b@x"),
            Message(4, "Re: Plan", 4, "d@x", "a@x"),
            Message(5, "Unrelated", 5, "e@x"));
        Assert.Equal("* THREAD (1 (2 3)(4))(5)\r\n", result);
    }

    [Fact]
    public void References_keeps_a_placeholder_for_a_missing_common_parent()
    {
        // Both answer a message we do not have: they are siblings under a placeholder.
        var result = Thread(ThreadAlgorithm.References,
            Message(1, "Re: Gone", 2, "b@x", "missing@x"),
            Message(2, "Re: Gone", 3, "c@x", "missing@x"));
        Assert.Equal("* THREAD ((1)(2))\r\n", result);
        // A single child of a missing parent takes its place.
        Assert.Equal("* THREAD (1)\r\n", Thread(ThreadAlgorithm.References, Message(1, "Re: Gone", 2, "b@x", "missing@x")));
    }

    [Fact]
    public void References_gathers_same_subject_threads()
    {
        // No references, same base subject: the reply goes under the original (step 5 B iii); two originals share a placeholder.
        Assert.Equal("* THREAD (1 2)\r\n", Thread(ThreadAlgorithm.References, Message(1, "Trip", 1, "a@x"), Message(2, "Re: Trip", 2, "b@x")));
        Assert.Equal("* THREAD ((1)(2))\r\n", Thread(ThreadAlgorithm.References, Message(1, "Trip", 1, "a@x"), Message(2, "Trip", 2, "b@x")));
    }

    [Fact]
    public void References_survives_loops_and_duplicate_ids()
    {
        var result = Thread(ThreadAlgorithm.References,
            Message(1, "A", 1, "a@x", "b@x"),
            Message(2, "B", 2, "b@x", "a@x"),
            Message(3, "C", 3, "a@x"));
        Assert.Contains("1", result);
        Assert.Contains("2", result);
        Assert.Contains("3", result);
        // Roots are in date order, nothing is lost.
        Assert.Equal(3, result.Count(char.IsAsciiDigit));
    }

    [Fact]
    public void Very_deep_threads_do_not_exhaust_the_stack()
    {
        // 20,000 replies, each to the one before: one chain, written as a row of numbers.
        const int depth = 20_000;
        var messages = Enumerable.Range(1, depth).Select(i => Message((uint)i, "Re: chain", 1, $"m{i}@x", i == 1 ? Array.Empty<string>() : new[] { $"m{i - 1}@x" })).ToArray();
        var result = Thread(ThreadAlgorithm.References, messages);
        Assert.Equal("* THREAD (" + string.Join(' ', Enumerable.Range(1, depth)) + ")\r\n", result);
        // A fork at every level: nested lists 20,000 deep.
        var forks = Enumerable.Range(1, depth).Select(i => Message((uint)i, "fork", i, $"f{i}@x",
            i == 1 ? Array.Empty<string>() : new[] { $"f{(i % 2 == 0 ? i - 1 : i - 2)}@x" })).ToArray();
        Assert.StartsWith("* THREAD (1 (2)(3 (4)(5 (6)(7", Thread(ThreadAlgorithm.References, forks));
    }
}
