using System.Runtime.Serialization;
using ActorMTA.Protocol.Smtp;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using Akka.Actor;
using Akka.Serialization;

namespace ActorMTA.Server.Serialization;

/// <summary>
/// Binary serializer for every <see cref="IPersistedRecord"/> (bound in hocon/akka.conf). The manifest
/// names the record type and its layout version; a layout, once written to a journal, is never changed:
/// a new field means a new manifest (e.g. "MA2") written from then on, while the old one stays readable.
/// </summary>
public sealed class EntityRecordSerializer : SerializerWithStringManifest
{
    /// <summary>Stored in every journal row; never change it.</summary>
    public const int Id = 4711;

    // Manifests: M = mailbox, Q = domain queue, G = greylist; the digit is the layout version.
    internal const string FolderCreatedV1 = "MF1";
    internal const string MessageAppendedV1 = "MA1";
    internal const string MessageAppendedV2 = "MA2";
    internal const string MessagesRemovedV1 = "MR1";
    internal const string MailboxSnapshotV1 = "MS1";
    internal const string FolderCreatedV2 = "MF2";
    internal const string FolderDeletedV1 = "MD1";
    internal const string FolderRenamedV1 = "MN1";
    internal const string FolderSubscriptionChangedV1 = "MU1";
    internal const string MessageFlagsSetV1 = "MG1";
    internal const string RecentBoundaryMovedV1 = "MB1";
    internal const string MessagesMovedV1 = "MM1";
    internal const string MessageStructureComputedV1 = "MC1";
    internal const string MailboxSnapshotV2 = "MS2";
    internal const string MailboxSnapshotV3 = "MS3";
    internal const string MailboxSnapshotV4 = "MS4";
    internal const string DeliveryQueuedV1 = "QQ1";
    internal const string DeliveryQueuedV2 = "QQ2";
    internal const string DeliveryQueuedV3 = "QQ3";
    internal const string DeliveryQueuedV4 = "QQ4";
    internal const string DeliveryQueuedV5 = "QQ5";
    internal const string DeliveryRemovedV1 = "QR1";
    internal const string DomainQueueSnapshotV1 = "QS1";
    internal const string DomainQueueSnapshotV2 = "QS2";
    internal const string DomainQueueSnapshotV3 = "QS3";
    internal const string DomainQueueSnapshotV4 = "QS4";
    internal const string DomainQueueSnapshotV5 = "QS5";
    internal const string DomainQueueSnapshotV6 = "QS6";
    internal const string DeliveryAttemptedV1 = "QA1";
    internal const string DeliveryAttemptedV2 = "QA2";
    internal const string BounceSentV1 = "QB1";
    internal const string DelayWarningSentV1 = "QW1";
    internal const string QueueSuspensionChangedV1 = "QX1";
    internal const string QueueFlushedV1 = "QF1";
    internal const string GreylistTripletSeenV1 = "GT1";
    internal const string GreylistTripletPassedV1 = "GP1";
    internal const string GreylistWhitelistRefreshedV1 = "GW1";
    internal const string GreylistSnapshotV1 = "GS1";

    public EntityRecordSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        // An ordinary folder keeps the MF1 layout; MF2 adds the special-use attribute.
        FolderCreated { SpecialUse: null } => FolderCreatedV1,
        FolderCreated => FolderCreatedV2,
        // IMAP APPEND/COPY/MOVE and deliveries without events keep the MA1 layout; MA2 adds the delivery envelope.
        MessageAppended { Envelope: null } => MessageAppendedV1,
        MessageAppended => MessageAppendedV2,
        MessagesRemoved => MessagesRemovedV1,
        // MS4 adds the unconfirmed delivery events; a snapshot without any keeps MS3.
        MailboxSnapshot { Unpublished.Count: 0 } => MailboxSnapshotV3,
        MailboxSnapshot => MailboxSnapshotV4,
        FolderDeleted => FolderDeletedV1,
        FolderRenamed => FolderRenamedV1,
        FolderSubscriptionChanged => FolderSubscriptionChangedV1,
        MessageFlagsSet => MessageFlagsSetV1,
        RecentBoundaryMoved => RecentBoundaryMovedV1,
        MessagesMoved => MessagesMovedV1,
        MessageStructureComputed => MessageStructureComputedV1,
        DeliveryQueued => DeliveryQueuedV5,
        DeliveryRemoved => DeliveryRemovedV1,
        DomainQueueSnapshot => DomainQueueSnapshotV6,
        DeliveryAttempted { Report: null } => DeliveryAttemptedV1,
        DeliveryAttempted => DeliveryAttemptedV2,
        BounceSent => BounceSentV1,
        DelayWarningSent => DelayWarningSentV1,
        QueueSuspensionChanged => QueueSuspensionChangedV1,
        QueueFlushed => QueueFlushedV1,
        GreylistTripletSeen => GreylistTripletSeenV1,
        GreylistTripletPassed => GreylistTripletPassedV1,
        GreylistWhitelistRefreshed => GreylistWhitelistRefreshedV1,
        GreylistSnapshot => GreylistSnapshotV1,
        _ => throw new SerializationException($"{nameof(EntityRecordSerializer)} cannot serialize {o.GetType().FullName}"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var w = new RecordWriter();
        switch (obj)
        {
            case FolderCreated e:
                w.String(e.Folder);
                w.Long(e.UidValidity);
                if (e.SpecialUse is not null) w.String(e.SpecialUse); // MF2
                break;
            case MessageAppended e:
                w.String(e.Folder);
                w.Long(e.Uid);
                WriteMessageFields(w, e.QueueId, e.ContentRef, e.Size, e.InternalDate, e.Flags);
                if (e.Envelope is { } envelope) WriteEnvelope(w, envelope); // MA2
                break;
            case MessagesRemoved e:
                w.String(e.Folder);
                w.Longs(e.Uids);
                w.Byte((byte)e.Reason);
                break;
            case MailboxSnapshot s:
                // MS2: MS1's layout plus per folder recent boundary and special use, per message the structure; then mailbox fields.
                // MS3: MS2 plus per folder HIGHESTMODSEQ and the vanished log, per message its mod-sequence; the counter last.
                w.Int(s.Folders.Count);
                foreach (var folder in s.Folders)
                {
                    w.String(folder.Folder);
                    w.Long(folder.UidValidity);
                    w.Long(folder.UidNext);
                    w.Long(folder.RecentBoundary);
                    w.NullableString(folder.SpecialUse);
                    w.Long(folder.HighestModSeq);
                    w.Long(folder.VanishedFloor);
                    w.Longs(folder.Vanished.Select(v => v.Uid).ToArray());
                    w.Longs(folder.Vanished.Select(v => v.ModSeq).ToArray());
                    w.Int(folder.Messages.Count);
                    foreach (var m in folder.Messages)
                    {
                        w.Long(m.Uid);
                        WriteMessageFields(w, m.QueueId, m.ContentRef, m.Size, m.InternalDate, m.Flags);
                        w.NullableString(m.Structure is null ? null : Convert.ToBase64String(m.Structure));
                        w.Long(m.ModSeq);
                    }
                }
                w.Strings(s.Subscriptions);
                w.Long(s.LastUidValidity);
                w.Long(s.HighestModSeq);
                if (s.Unpublished.Count > 0) WriteUnpublished(w, s.Unpublished); // MS4
                break;
            case FolderDeleted e:
                w.String(e.Folder);
                break;
            case FolderRenamed e:
                w.String(e.From);
                w.String(e.To);
                break;
            case FolderSubscriptionChanged e:
                w.String(e.Folder);
                w.Byte(e.Subscribed ? (byte)1 : (byte)0);
                break;
            case MessageFlagsSet e:
                w.String(e.Folder);
                w.Int(e.Changes.Count);
                foreach (var change in e.Changes)
                {
                    w.Long(change.Uid);
                    w.Strings(change.Flags);
                }
                break;
            case RecentBoundaryMoved e:
                w.String(e.Folder);
                w.Long(e.Boundary);
                break;
            case MessagesMoved e:
                w.String(e.From);
                w.String(e.To);
                w.Longs(e.FromUids);
                w.Longs(e.ToUids);
                break;
            case MessageStructureComputed e:
                // RecordWriter has no byte-array field; base64 keeps this inside its existing encodings.
                w.String(e.Folder);
                w.Long(e.Uid);
                w.String(Convert.ToBase64String(e.Structure));
                break;
            case DeliveryQueued e:
                w.String(e.QueueId);
                w.String(e.ContentRef);
                w.String(e.ReversePath);
                w.Strings(e.Recipients);
                w.Long(e.Size);
                w.Timestamp(e.QueuedAt);
                w.Byte((byte)e.Traits); // QQ2
                WriteDsn(w, e.Dsn, e.RecipientDsn); // QQ3
                w.NullableString(e.Pool); // QQ4
                WriteTags(w, e.Tags); // QQ5
                break;
            case DeliveryRemoved e:
                w.String(e.QueueId);
                w.Byte((byte)e.Reason);
                break;
            case DomainQueueSnapshot s:
                // QS5: QS1's fields per entry, then failures, bounces sent, the warning flag, (QS3) the content traits,
                // (QS4) the DSN parameters, (QS5) the egress pool and (QS6) the message tags; the suspension flag, then (QS6)
                // the delivery events not yet written to the event log.
                w.Int(s.Entries.Count);
                foreach (var d in s.Entries)
                {
                    w.String(d.QueueId);
                    w.String(d.ContentRef);
                    w.String(d.ReversePath);
                    w.Strings(d.Recipients);
                    w.Long(d.Size);
                    w.Timestamp(d.QueuedAt);
                    w.Int(d.Attempts);
                    w.Timestamp(d.NextAttemptAt);
                    w.NullableString(d.LastResult);
                    WriteFailures(w, d.Failures);
                    w.Int(d.BouncesSent);
                    w.Byte(d.DelayWarningSent ? (byte)1 : (byte)0);
                    w.Byte((byte)d.Traits);
                    WriteDsn(w, d.Dsn, d.RecipientDsn);
                    w.NullableString(d.Pool);
                    WriteTags(w, d.Tags);
                }
                w.Byte(s.Suspended ? (byte)1 : (byte)0);
                WriteUnpublished(w, s.Unpublished);
                break;
            case DeliveryAttempted e:
                w.String(e.QueueId);
                w.Strings(e.Delivered);
                WriteFailures(w, e.Failed);
                w.Byte(e.Counted ? (byte)1 : (byte)0);
                w.Timestamp(e.NextAttemptAt);
                w.NullableString(e.LastResult);
                if (e.Report is { } report) WriteReport(w, report); // QA2
                break;
            case BounceSent e:
                w.String(e.QueueId);
                w.Int(e.Number);
                w.Strings(e.Recipients);
                break;
            case DelayWarningSent e:
                w.String(e.QueueId);
                break;
            case QueueSuspensionChanged e:
                w.Byte(e.Suspended ? (byte)1 : (byte)0);
                break;
            case QueueFlushed e:
                w.Timestamp(e.At);
                break;
            case GreylistTripletSeen e:
                w.String(e.Sender);
                w.String(e.Recipient);
                w.Timestamp(e.At);
                break;
            case GreylistTripletPassed e:
                w.String(e.Sender);
                w.String(e.Recipient);
                w.Timestamp(e.At);
                w.Int(e.PassCount);
                break;
            case GreylistWhitelistRefreshed e:
                w.Timestamp(e.At);
                break;
            case GreylistSnapshot s:
                w.Int(s.Triplets.Count);
                foreach (var t in s.Triplets)
                {
                    w.String(t.Sender);
                    w.String(t.Recipient);
                    w.Timestamp(t.FirstSeen);
                    WriteNullableTimestamp(w, t.LastPassed);
                }
                w.Int(s.PassCount);
                WriteNullableTimestamp(w, s.LastPass);
                break;
            default:
                throw new SerializationException($"{nameof(EntityRecordSerializer)} cannot serialize {obj.GetType().FullName}");
        }
        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new RecordReader(bytes);
        object result = manifest switch
        {
            FolderCreatedV1 => new FolderCreated(r.String(), r.Long()),
            MessageAppendedV1 => ReadMessageAppended(r),
            MessageAppendedV2 => ReadMessageAppended(r) with { Envelope = ReadEnvelope(r) },
            MessagesRemovedV1 => new MessagesRemoved(r.String(), r.Longs(), ReadEnum<RemovalReason>(r)),
            MailboxSnapshotV1 => ReadMailboxSnapshot(r, version: 1),
            MailboxSnapshotV2 => ReadMailboxSnapshot(r, version: 2),
            MailboxSnapshotV3 => ReadMailboxSnapshot(r, version: 3),
            MailboxSnapshotV4 => ReadMailboxSnapshot(r, version: 3) with { Unpublished = ReadUnpublished(r) },
            FolderCreatedV2 => new FolderCreated(r.String(), r.Long()) { SpecialUse = r.String() },
            FolderDeletedV1 => new FolderDeleted(r.String()),
            FolderRenamedV1 => new FolderRenamed(r.String(), r.String()),
            FolderSubscriptionChangedV1 => new FolderSubscriptionChanged(r.String(), r.Byte() != 0),
            MessageFlagsSetV1 => ReadMessageFlagsSet(r),
            RecentBoundaryMovedV1 => new RecentBoundaryMoved(r.String(), r.Long()),
            MessagesMovedV1 => new MessagesMoved(r.String(), r.String(), r.Longs(), r.Longs()),
            MessageStructureComputedV1 => new MessageStructureComputed(r.String(), r.Long(), Convert.FromBase64String(r.String())),
            DeliveryQueuedV1 => new DeliveryQueued(r.String(), r.String(), r.String(), r.Strings(), r.Long(), r.Timestamp()),
            DeliveryQueuedV2 => new DeliveryQueued(r.String(), r.String(), r.String(), r.Strings(), r.Long(), r.Timestamp()) { Traits = (ContentTraits)r.Byte() },
            DeliveryQueuedV3 => ReadDeliveryQueuedV3(r),
            DeliveryQueuedV4 => ReadDeliveryQueuedV3(r) with { Pool = r.NullableString() },
            DeliveryQueuedV5 => ReadDeliveryQueuedV3(r) with { Pool = r.NullableString(), Tags = ReadTags(r) },
            DeliveryRemovedV1 => new DeliveryRemoved(r.String(), ReadEnum<QueueRemovalReason>(r)),
            DomainQueueSnapshotV1 => ReadDomainQueueSnapshot(r, version: 1),
            DomainQueueSnapshotV2 => ReadDomainQueueSnapshot(r, version: 2),
            DomainQueueSnapshotV3 => ReadDomainQueueSnapshot(r, version: 3),
            DomainQueueSnapshotV4 => ReadDomainQueueSnapshot(r, version: 4),
            DomainQueueSnapshotV5 => ReadDomainQueueSnapshot(r, version: 5),
            DomainQueueSnapshotV6 => ReadDomainQueueSnapshot(r, version: 6),
            DeliveryAttemptedV1 => new DeliveryAttempted(r.String(), r.Strings(), ReadFailures(r), r.Byte() != 0, r.Timestamp(), r.NullableString()),
            DeliveryAttemptedV2 => new DeliveryAttempted(r.String(), r.Strings(), ReadFailures(r), r.Byte() != 0, r.Timestamp(), r.NullableString())
                { Report = ReadReport(r) },
            BounceSentV1 => new BounceSent(r.String(), r.Int(), r.Strings()),
            DelayWarningSentV1 => new DelayWarningSent(r.String()),
            QueueSuspensionChangedV1 => new QueueSuspensionChanged(r.Byte() != 0),
            QueueFlushedV1 => new QueueFlushed(r.Timestamp()),
            GreylistTripletSeenV1 => new GreylistTripletSeen(r.String(), r.String(), r.Timestamp()),
            GreylistTripletPassedV1 => new GreylistTripletPassed(r.String(), r.String(), r.Timestamp(), r.Int()),
            GreylistWhitelistRefreshedV1 => new GreylistWhitelistRefreshed(r.Timestamp()),
            GreylistSnapshotV1 => ReadGreylistSnapshot(r),
            _ => throw new SerializationException($"{nameof(EntityRecordSerializer)}: unknown manifest '{manifest}' (journal written by a newer version?)"),
        };
        r.End();
        return result;
    }

    private static GreylistSnapshot ReadGreylistSnapshot(RecordReader r)
    {
        var triplets = new GreylistTriplet[r.Count()];
        for (var i = 0; i < triplets.Length; i++)
            triplets[i] = new GreylistTriplet(r.String(), r.String(), r.Timestamp(), ReadNullableTimestamp(r));
        return new GreylistSnapshot(triplets, r.Int(), ReadNullableTimestamp(r));
    }

    // RecordWriter has no nullable timestamp; a presence byte keeps this inside its existing encodings.
    private static void WriteNullableTimestamp(RecordWriter w, DateTimeOffset? value)
    {
        w.Bool(value.HasValue);
        if (value is { } v) w.Timestamp(v);
    }

    private static DateTimeOffset? ReadNullableTimestamp(RecordReader r) => r.Bool() ? r.Timestamp() : null;

    private static void WriteMessageFields(RecordWriter w, string queueId, string contentRef, long size, DateTimeOffset internalDate, IReadOnlySet<string> flags)
    {
        w.String(queueId);
        w.String(contentRef);
        w.Long(size);
        w.Timestamp(internalDate);
        w.Strings(flags);
    }

    private static MessageAppended ReadMessageAppended(RecordReader r)
    {
        var folder = r.String();
        var uid = r.Long();
        var m = ReadMessage(r, uid);
        return new MessageAppended(folder, uid, m.QueueId, m.ContentRef, m.Size, m.InternalDate, m.Flags);
    }

    private static MailboxMessage ReadMessage(RecordReader r, long uid)
    {
        var queueId = r.String();
        var contentRef = r.String();
        var size = r.Long();
        var internalDate = r.Timestamp();
        var flags = r.Strings();
        return new MailboxMessage(uid, queueId, contentRef, size, internalDate, flags.Length == 0 ? MailboxMessage.NoFlags : MailboxMessage.FlagSet(flags));
    }

    private static MailboxSnapshot ReadMailboxSnapshot(RecordReader r, int version)
    {
        var folders = new FolderSnapshot[r.Count()];
        for (var i = 0; i < folders.Length; i++)
        {
            var name = r.String();
            var uidValidity = r.Long();
            var uidNext = r.Long();
            var recentBoundary = version >= 2 ? r.Long() : 1;
            var specialUse = version >= 2 ? r.NullableString() : null;
            long highestModSeq = 0, vanishedFloor = 0;
            (long, long)[] vanished = [];
            if (version >= 3)
            {
                highestModSeq = r.Long();
                vanishedFloor = r.Long();
                var uids = r.Longs();
                vanished = uids.Zip(r.Longs()).ToArray();
            }
            var messages = new MailboxMessage[r.Count()];
            for (var j = 0; j < messages.Length; j++)
            {
                messages[j] = ReadMessage(r, r.Long());
                if (version >= 2 && r.NullableString() is { } structure) messages[j] = messages[j] with { Structure = Convert.FromBase64String(structure) };
                if (version >= 3) messages[j] = messages[j] with { ModSeq = r.Long() };
            }
            folders[i] = new FolderSnapshot(name, uidValidity, uidNext, messages)
            {
                RecentBoundary = recentBoundary, SpecialUse = specialUse, HighestModSeq = highestModSeq, VanishedFloor = vanishedFloor, Vanished = vanished,
            };
        }
        if (version < 2) return new MailboxSnapshot(folders);
        var snapshot = new MailboxSnapshot(folders) { Subscriptions = r.Strings(), LastUidValidity = r.Long() };
        return version < 3 ? snapshot : snapshot with { HighestModSeq = r.Long() };
    }

    private static MessageFlagsSet ReadMessageFlagsSet(RecordReader r)
    {
        var folder = r.String();
        var changes = new FlagChange[r.Count()];
        for (var i = 0; i < changes.Length; i++)
        {
            var uid = r.Long();
            var flags = r.Strings();
            changes[i] = new FlagChange(uid, flags.Length == 0 ? MailboxMessage.NoFlags : MailboxMessage.FlagSet(flags));
        }
        return new MessageFlagsSet(folder, changes);
    }

    private static DomainQueueSnapshot ReadDomainQueueSnapshot(RecordReader r, int version)
    {
        var entries = new QueuedDelivery[r.Count()];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new QueuedDelivery(
                QueueId: r.String(), ContentRef: r.String(), ReversePath: r.String(), Recipients: r.Strings(),
                Size: r.Long(), QueuedAt: r.Timestamp(), Attempts: r.Int(), NextAttemptAt: r.Timestamp(), LastResult: r.NullableString());
            if (version >= 2)
                entries[i] = entries[i] with { Failures = ReadFailures(r), BouncesSent = r.Int(), DelayWarningSent = r.Byte() != 0 };
            if (version >= 3)
                entries[i] = entries[i] with { Traits = (ContentTraits)r.Byte() };
            if (version >= 4)
            {
                var (dsn, recipientDsn) = ReadDsn(r);
                entries[i] = entries[i] with { Dsn = dsn, RecipientDsn = recipientDsn };
            }
            if (version >= 5)
                entries[i] = entries[i] with { Pool = r.NullableString() };
            if (version >= 6)
                entries[i] = entries[i] with { Tags = ReadTags(r) };
        }
        var suspended = version >= 2 && r.Byte() != 0;
        if (version < 6) return new DomainQueueSnapshot(entries) { Suspended = suspended };
        return new DomainQueueSnapshot(entries) { Suspended = suspended, Unpublished = ReadUnpublished(r) };
    }

    private static void WriteUnpublished(RecordWriter w, IReadOnlyList<Observability.Events.OutboxEntry> unpublished)
    {
        w.Int(unpublished.Count);
        foreach (var pending in unpublished)
        {
            w.Long(pending.Sequence);
            w.Strings(pending.Lines);
        }
    }

    private static Observability.Events.OutboxEntry[] ReadUnpublished(RecordReader r)
    {
        var unpublished = new Observability.Events.OutboxEntry[r.Count()];
        for (var i = 0; i < unpublished.Length; i++) unpublished[i] = new Observability.Events.OutboxEntry(r.Long(), r.Strings());
        return unpublished;
    }

    internal static void WriteEnvelope(RecordWriter w, DeliveryEnvelope envelope)
    {
        w.String(envelope.Protocol);
        w.NullableString(envelope.ClientIp);
        w.String(envelope.Sender);
        w.Strings(envelope.Recipients);
        WriteTags(w, envelope.Tags);
    }

    internal static DeliveryEnvelope ReadEnvelope(RecordReader r) => new(r.String(), r.NullableString(), r.String(), r.Strings(), ReadTags(r));

    internal static void WriteTags(RecordWriter w, MessageTags tags)
    {
        w.NullableString(tags.MessageId);
        w.NullableString(tags.Tenant);
        w.NullableString(tags.Campaign);
    }

    internal static MessageTags ReadTags(RecordReader r)
    {
        var tags = new MessageTags(r.NullableString(), r.NullableString(), r.NullableString());
        return tags.IsNone ? MessageTags.None : tags;
    }

    private static void WriteReport(RecordWriter w, AttemptReport report)
    {
        w.Byte((byte)report.Kind);
        w.Timestamp(report.At);
        w.NullableString(report.MxHost);
        w.NullableString(report.MxAddress);
        w.NullableString(report.TlsProtocol);
        w.NullableString(report.TlsCipher);
        w.NullableString(report.Source);
        w.NullableString(report.Site);
        w.NullableString(report.Provider);
        w.Long(report.DurationMs);
        w.Int(report.Replies.Count);
        foreach (var reply in report.Replies)
        {
            w.String(reply.Recipient);
            w.Int(reply.Reply.Code);
            w.NullableString(reply.Reply.EnhancedCode);
            w.Strings(reply.Reply.Lines);
        }
    }

    private static AttemptReport ReadReport(RecordReader r)
    {
        var kind = ReadEnum<AttemptKind>(r);
        var at = r.Timestamp();
        var (host, address, protocol, cipher) = (r.NullableString(), r.NullableString(), r.NullableString(), r.NullableString());
        var (source, site, provider) = (r.NullableString(), r.NullableString(), r.NullableString());
        var duration = r.Long();
        var replies = new RecipientReply[r.Count()];
        for (var i = 0; i < replies.Length; i++)
            replies[i] = new RecipientReply(r.String(), new Protocol.Smtp.SmtpReply(r.Int(), r.NullableString(), r.Strings()));
        return new AttemptReport(kind, at, host, address, protocol, cipher, source, site, provider, duration, replies);
    }

    private static DeliveryQueued ReadDeliveryQueuedV3(RecordReader r)
    {
        var queued = new DeliveryQueued(r.String(), r.String(), r.String(), r.Strings(), r.Long(), r.Timestamp()) { Traits = (ContentTraits)r.Byte() };
        var (dsn, recipientDsn) = ReadDsn(r);
        return queued with { Dsn = dsn, RecipientDsn = recipientDsn };
    }

    /// <summary>RET and ENVID, then NOTIFY and ORCPT of each recipient that gave any (in address order, so equal
    /// records serialize equally).</summary>
    internal static void WriteDsn(RecordWriter w, DsnMessageParameters dsn, IReadOnlyDictionary<string, DsnRecipientParameters> recipients)
    {
        w.Byte((byte)dsn.Return);
        w.NullableString(dsn.EnvelopeId);
        var given = recipients.Where(p => !p.Value.IsNone).OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        w.Int(given.Length);
        foreach (var (address, parameters) in given)
        {
            w.String(address);
            w.Byte((byte)parameters.Notify);
            w.NullableString(parameters.OriginalRecipient);
        }
    }

    internal static (DsnMessageParameters, IReadOnlyDictionary<string, DsnRecipientParameters>) ReadDsn(RecordReader r)
    {
        var ret = ReadEnum<DsnReturn>(r);
        var envelopeId = r.NullableString();
        var dsn = ret == DsnReturn.Unspecified && envelopeId is null ? DsnMessageParameters.None : new DsnMessageParameters(ret, envelopeId);
        var count = r.Count();
        if (count == 0) return (dsn, QueuedDelivery.NoRecipientDsn);
        var recipients = new Dictionary<string, DsnRecipientParameters>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var address = r.String();
            var notify = (DsnNotify)r.Byte();
            recipients[address] = new DsnRecipientParameters(notify, r.NullableString());
        }
        return (dsn, recipients);
    }

    internal static void WriteFailures(RecordWriter w, IReadOnlyList<FailedDelivery> failures)
    {
        w.Int(failures.Count);
        foreach (var f in failures)
        {
            w.String(f.Recipient);
            w.String(f.Status);
            w.String(f.Diagnostic);
            w.NullableString(f.RemoteMta);
            w.Timestamp(f.At);
        }
    }

    internal static FailedDelivery[] ReadFailures(RecordReader r)
    {
        var failures = new FailedDelivery[r.Count()];
        for (var i = 0; i < failures.Length; i++)
            failures[i] = new FailedDelivery(r.String(), r.String(), r.String(), r.NullableString(), r.Timestamp());
        return failures;
    }

    internal static T ReadEnum<T>(RecordReader r) where T : struct, Enum
    {
        var value = r.Byte();
        var result = (T)Enum.ToObject(typeof(T), value);
        if (!Enum.IsDefined(result)) throw new SerializationException($"unknown {typeof(T).Name} value {value}");
        return result;
    }
}
