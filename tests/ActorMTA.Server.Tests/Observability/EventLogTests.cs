using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Xunit;

namespace ActorMTA.Server.Tests.Observability;

/// <summary>The node's event log over a real directory: durable appends confirmed per producer, duplicates dropped
/// (also after a restart whose published index was lost), rotation, compression and reading back in order.</summary>
public sealed class EventLogTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly TempDirectory _temp = new();

    private EventLogSettings Settings(long segmentSize = 64 * 1024 * 1024) =>
        new(true, Path.Combine(_temp.Path, "events"), segmentSize, TimeSpan.FromHours(1), Compress: true, TimeSpan.FromDays(30));

    private static OutboxEntry Entry(string producer, long sequence, int events = 1) =>
        new(sequence, Enumerable.Range(0, events).Select(i => new DeliveryEvent
        {
            Id = EventIds.Of(producer, sequence, i),
            Type = DeliveryEventType.Reception,
            Time = DateTimeOffset.UnixEpoch.AddSeconds(sequence),
            Recipient = $"r{sequence}-{i}@y.test",
        }.ToJsonLine()).ToArray());

    private List<string> Ids(EventLogSettings settings) => EventLogReader.Read(settings.Directory, DeliveryEventFilter.All).Select(e => e.Id).ToList();

    [Fact]
    public void A_type_filter_skips_lines_of_other_types_before_parsing_them_and_keeps_the_rest()
    {
        var bounces = new DeliveryEventFilter(Types: new HashSet<string> { DeliveryEventType.Bounce, DeliveryEventType.Feedback });
        string Line(string type, string recipient) => new DeliveryEvent
        {
            Id = "x/1/0", Type = type, Time = DateTimeOffset.UnixEpoch, Recipient = recipient,
        }.ToJsonLine();

        Assert.True(bounces.MayMatch(Line(DeliveryEventType.Bounce, "a@b.test")));
        Assert.True(bounces.MayMatch(Line(DeliveryEventType.Feedback, "a@b.test")));
        Assert.False(bounces.MayMatch(Line(DeliveryEventType.Delivery, "a@b.test")));
        // A quote in a field before or after the type cannot fake it: JSON escapes it.
        Assert.False(bounces.MayMatch(Line(DeliveryEventType.Reception, "\"type\":\"Bounce\"@b.test")));
        Assert.True(DeliveryEventFilter.All.MayMatch(Line(DeliveryEventType.Delivery, "a@b.test")));
        Assert.True(bounces.MayMatch("not a line of ours"));
    }

    [Fact]
    public void An_event_is_one_line_with_its_message_id_as_written_and_reads_back_whole_after_a_write()
    {
        var e = new DeliveryEvent
        {
            Id = "q|x/7/1",
            Type = DeliveryEventType.Bounce,
            Time = new DateTimeOffset(2026, 12, 7, 4, 30, 0, TimeSpan.Zero),
            MessageId = "<a+b&c@example.test>",
            Recipient = "jürgen@exämple.test",
            ReplyCode = 550,
            EnhancedCode = "5.1.1",
            ReplyText = "no such \"user\"\r\nhere\u0001",
            QueueTimeMs = 1234,
        };

        var line = e.ToJsonLine();

        Assert.Contains("\"message_id\":\"<a+b&c@example.test>\"", line);
        Assert.Contains("\"recipient\":\"jürgen@exämple.test\"", line);
        Assert.Contains("\"queue_time_ms\":1234", line);
        Assert.DoesNotContain("mx_host", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\u0001', line);
        Assert.Equal(e, DeliveryEvent.FromJsonLine(line));

        // Written as UTF-8 through the segment writer's reused buffer, beside a longer line, and read back the same.
        var settings = Settings();
        var longer = e with { Id = "q|x/8/0", ReplyText = new string('x', 100_000) };
        using (var writer = new EventSegmentWriter(settings, () => DateTimeOffset.UtcNow))
        {
            writer.Write([longer.ToJsonLine()], null);
            writer.Write([line, line.Replace("q|x/7/1", "q|x/9/0")], null);
        }
        var read = EventLogReader.Read(settings.Directory, DeliveryEventFilter.All).ToList();
        Assert.Equal([longer, e, e with { Id = "q|x/9/0" }], read);
    }

    [Fact]
    public void The_hand_written_line_is_what_the_serializer_writes_with_every_field_set_and_with_none()
    {
        // Every settable property gets a value of its own, found by reflection: a field added to DeliveryEvent and
        // forgotten by the writer fails here.
        var full = new DeliveryEvent { Id = "p/1/0", Type = DeliveryEventType.Delivery, Time = new DateTimeOffset(2026, 12, 7, 5, 6, 7, 891, TimeSpan.Zero).AddTicks(2345) };
        var number = 100;
        foreach (var property in typeof(DeliveryEvent).GetProperties().Where(p => p.CanWrite && p.Name is not ("Id" or "Type" or "Time")))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object value = type == typeof(string) ? $"{property.Name} <x@y> \"q\" ü \t" : type == typeof(int) ? number++ : type == typeof(long) ? (object)((long)number++ * 1_000_000_000L)
                : throw new InvalidOperationException($"{property.Name}: no sample for {type}");
            property.SetValue(full, value);
        }
        var bare = new DeliveryEvent { Id = "p/2/0", Type = DeliveryEventType.Reception, Time = DateTimeOffset.UnixEpoch };

        foreach (var e in new[] { full, bare })
        {
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(e, DeliveryEvent.Json), e.ToJsonLine());
            Assert.Equal(e, DeliveryEvent.FromJsonLine(e.ToJsonLine()));
        }
        Assert.Contains("\"report_queue_id\":", full.ToJsonLine());
    }

    [Fact]
    public void With_a_commit_delay_events_wait_for_it_and_go_in_one_write_with_those_after_them()
    {
        var settings = Settings() with { CommitDelay = TimeSpan.FromMilliseconds(800) };
        var log = Sys.ActorOf(EventLog.Open(settings));

        log.Tell(new AppendEvents("q|a", [Entry("q|a", 1)]), TestActor);
        log.Tell(new AppendEvents("q|b", [Entry("q|b", 1)]), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
        Assert.Empty(Ids(settings));

        var confirmed = ReceiveN(2, TimeSpan.FromSeconds(5)).Cast<EventsWritten>().Select(m => m.Producer).Order();
        Assert.Equal(["q|a", "q|b"], confirmed);
        Assert.Equal(["q|a/1/0", "q|b/1/0"], Ids(settings));
    }

    [Fact]
    public void Appends_are_confirmed_once_durable_and_duplicates_are_dropped()
    {
        var settings = Settings();
        var log = Sys.ActorOf(EventLog.Open(settings));

        log.Tell(new AppendEvents("q|a", [Entry("q|a", 1, events: 2), Entry("q|a", 3)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.Producer == "q|a" && m.UpTo == 3);
        // Sent again (an entity unsure whether the first went through), and a new one after it.
        log.Tell(new AppendEvents("q|a", [Entry("q|a", 1, events: 2), Entry("q|a", 3), Entry("q|a", 4)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.UpTo == 4);
        log.Tell(new AppendEvents(null, [Entry("rejection", 0)]), TestActor);
        log.Tell(new AppendEvents("q|b", [Entry("q|b", 2)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.Producer == "q|b" && m.UpTo == 2);

        Assert.Equal(["q|a/1/0", "q|a/1/1", "q|a/3/0", "q|a/4/0", "rejection/0/0", "q|b/2/0"], Ids(settings));
    }

    [Fact]
    public void A_reports_producer_is_confirmed_and_never_in_the_published_index()
    {
        var settings = Settings();
        var log = Sys.ActorOf(EventLog.Open(settings));
        var report = ReportEvents.ProducerOf("01JREPORT01");

        log.Tell(new AppendEvents(report, [Entry(report, 1), Entry(report, 2)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.Producer == report && m.UpTo == 2);
        log.Tell(new AppendEvents("q|a", [Entry("q|a", 1)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.Producer == "q|a");

        // The index is saved at most every 2 s, by a timer when nothing else is written.
        AwaitCondition(() => EventSegmentWriter.LoadIndex(settings.Directory).ContainsKey("q|a"), TimeSpan.FromSeconds(6));
        Assert.False(EventSegmentWriter.LoadIndex(settings.Directory).ContainsKey(report));
        Assert.Equal([report + "/1/0", report + "/2/0", "q|a/1/0"], Ids(settings));
    }

    [Fact]
    public void After_a_crash_that_lost_the_index_the_log_still_knows_what_it_holds()
    {
        var settings = Settings();
        var first = Sys.ActorOf(EventLog.Open(settings));
        first.Tell(new AppendEvents("q|a", [Entry("q|a", 1), Entry("q|a", 2)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.UpTo == 2);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        File.Delete(Path.Combine(settings.Directory, EventSegmentWriter.IndexFile));

        var second = Sys.ActorOf(EventLog.Open(settings));
        second.Tell(new AppendEvents("q|a", [Entry("q|a", 1), Entry("q|a", 2), Entry("q|a", 3)]), TestActor);
        ExpectMsg<EventsWritten>(m => m.UpTo == 3);

        Assert.Equal(["q|a/1/0", "q|a/2/0", "q|a/3/0"], Ids(settings));
        // The segment left open by the first log was compressed when the second one opened the directory.
        AwaitCondition(() => Directory.GetFiles(settings.Directory, "*.jsonl.gz").Length == 1, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Segments_rotate_by_size_are_compressed_and_read_back_in_order()
    {
        var settings = Settings(segmentSize: 4096);
        var log = Sys.ActorOf(EventLog.Open(settings));
        for (var i = 1; i <= 200; i++)
        {
            log.Tell(new AppendEvents("q|a", [Entry("q|a", i)]), TestActor);
            ExpectMsg<EventsWritten>();
        }

        AwaitCondition(() => Directory.GetFiles(settings.Directory, "*.jsonl.gz").Length >= 3, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"q|a/{i}/0"), Ids(settings));
        Assert.Equal(["q|a/198/0", "q|a/199/0", "q|a/200/0"], EventLogReader.Last(settings.Directory, DeliveryEventFilter.All, 3).Select(e => e.Id));
        var since = EventLogReader.Read(settings.Directory, new DeliveryEventFilter(Since: DateTimeOffset.UnixEpoch.AddSeconds(150))).Count();
        Assert.Equal(51, since);
    }

    [Fact]
    public void A_consumer_reads_on_from_its_saved_cursor_across_rotation_and_compression()
    {
        var settings = Settings(segmentSize: 4096);
        var log = Sys.ActorOf(EventLog.Open(settings));
        void Append(int from, int to)
        {
            for (var i = from; i <= to; i++)
            {
                log.Tell(new AppendEvents("q|a", [Entry("q|a", i)]), TestActor);
                ExpectMsg<EventsWritten>();
            }
        }
        Append(1, 30);
        var batch = EventLogTail.Read(settings.Directory, EventCursor.Start, 25, DeliveryEventFilter.All);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => $"q|a/{i}/0"), batch.Events.Select(e => e.Event.Id));
        batch.Next.Save(settings.Directory, "test");

        Append(31, 120); // several rotations; the segment the cursor is in gets compressed
        AwaitCondition(() => Directory.GetFiles(settings.Directory, "*.jsonl.gz").Length >= 2, TimeSpan.FromSeconds(10));
        var cursor = EventCursor.Load(settings.Directory, "test");
        var rest = new List<string>();
        do
        {
            batch = EventLogTail.Read(settings.Directory, cursor, 7, DeliveryEventFilter.All);
            rest.AddRange(batch.Events.Select(e => e.Event.Id));
            cursor = batch.Next;
        }
        while (!batch.AtEnd || batch.Events.Count > 0);

        Assert.Equal(Enumerable.Range(26, 95).Select(i => $"q|a/{i}/0"), rest);
        Assert.Empty(EventLogTail.Read(settings.Directory, cursor, 7, DeliveryEventFilter.All).Events);
    }

    [Fact]
    public void A_torn_last_line_is_skipped_by_readers()
    {
        var settings = Settings();
        Directory.CreateDirectory(settings.Directory);
        var good = Entry("q|a", 1).Lines[0];
        File.WriteAllText(Path.Combine(settings.Directory, "20261206T070000000Z-0000.jsonl"), good + "\n" + good[..20]);

        Assert.Equal(["q|a/1/0"], Ids(settings));
    }

    public new void Dispose()
    {
        base.Dispose();
        _temp.Dispose();
    }
}
