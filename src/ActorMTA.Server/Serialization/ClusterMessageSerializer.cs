using System.Runtime.Serialization;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Delivery.Shaping;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using Akka.Actor;
using Akka.Serialization;

namespace ActorMTA.Server.Serialization;

/// <summary>
/// Binary serializer for every <see cref="IClusterMessage"/> (bound in hocon/akka.conf): what sessions, the CLI and
/// the admin endpoint send to sharded entities and what the entities send back, which crosses nodes whenever the
/// entity lives elsewhere. Nothing of it is stored, so unlike <see cref="EntityRecordSerializer"/> a layout may change
/// between releases; during a rolling upgrade both sides of a changed layout must then be readable, which a new
/// manifest gives. Flag sets come back with the case-insensitive comparer <see cref="MailboxMessage.FlagSet"/> uses.
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    /// <summary>Sent with every remote message of these types; must differ from every other serializer's.</summary>
    public const int Id = 4712;

    // Manifests: M = mailbox command, R = mailbox reply or push, Q = domain-queue command, A = domain-queue reply,
    // G = greylist command or reply, C = cluster plumbing. Short, because every remote message carries its manifest.
    internal const string DeliverToMailboxManifest = "MD";
    internal const string DeliverToMailboxWithEnvelopeManifest = "MD2";
    internal const string RetractDeliveryManifest = "MR";
    internal const string GetMaildropManifest = "MG";
    internal const string ExpungeMessagesManifest = "MX";
    internal const string GetMailboxStatsManifest = "MS";
    internal const string CreateFolderManifest = "MC";
    internal const string DeleteFolderManifest = "MF";
    internal const string RenameFolderManifest = "MN";
    internal const string SubscribeFolderManifest = "MU";
    internal const string UnsubscribeFolderManifest = "MV";
    internal const string ListFoldersManifest = "ML";
    internal const string GetFolderStatusManifest = "MT";
    internal const string EnsureSpecialFoldersManifest = "ME";
    internal const string SelectFolderManifest = "MSe";
    internal const string UnselectFolderManifest = "MUs";
    internal const string StoreFlagsManifest = "MSf";
    internal const string GetVanishedManifest = "MGv";
    internal const string AppendMessageManifest = "MA";
    internal const string GetQuotaManifest = "MQ";
    internal const string AppendMessagesManifest = "MAs";
    internal const string CopyMessagesManifest = "MCp";
    internal const string MoveMessagesManifest = "MMv";
    internal const string ExpungeDeletedManifest = "MXd";
    internal const string StoreMessageStructureManifest = "MSs";
    internal const string ReleaseViewedContentManifest = "MRv";

    internal const string MailboxDeliveredManifest = "RD";
    internal const string DeliveryRetractedManifest = "RR";
    internal const string MaildropManifest = "RM";
    internal const string MessagesExpungedManifest = "RX";
    internal const string MailboxStatsManifest = "RS";
    internal const string MailboxCommandRefusedManifest = "RN";
    internal const string FolderCommandDoneManifest = "RF";
    internal const string FolderListManifest = "RL";
    internal const string FolderInfoManifest = "RI";
    internal const string SpecialFoldersEnsuredManifest = "RE";
    internal const string FolderSelectedManifest = "RSe";
    internal const string FolderSelectedPartManifest = "RSp";
    internal const string FolderUnselectedManifest = "RUs";
    internal const string FlagsStoredManifest = "RSf";
    internal const string VanishedUidsManifest = "RV";
    internal const string MessageAppendedToFolderManifest = "RA";
    internal const string QuotaStatusManifest = "RQ";
    internal const string MessagesAppendedToFolderManifest = "RAs";
    internal const string MessagesCopiedManifest = "RC";
    internal const string FolderChangedManifest = "RCh";

    internal const string EnqueueDeliveryManifest = "QE";
    internal const string EnqueueDeliveryWithPoolManifest = "QE2";
    internal const string EnqueueDeliveryWithTagsManifest = "QE3";
    internal const string RetractEnqueueManifest = "QR";
    internal const string GetQueueStatusManifest = "QS";
    internal const string SuspendQueueManifest = "QSu";
    internal const string ResumeQueueManifest = "QRe";
    internal const string FlushQueueManifest = "QF";
    internal const string BounceQueuedManifest = "QB";
    internal const string DeleteQueuedManifest = "QD";

    internal const string DeliveryEnqueuedManifest = "AE";
    internal const string EnqueueRetractedManifest = "AR";
    internal const string QueueStatusManifest = "AS";
    // AS with the queue's site (ctl queue list --by site); AS is still read from nodes that do not send it.
    internal const string QueueStatusWithSiteManifest = "AS2";
    internal const string QueueStatusWithPoolsManifest = "AS3";
    internal const string QueueControlDoneManifest = "AC";

    internal const string CheckGreylistManifest = "GC";
    internal const string GreylistVerdictManifest = "GV";

    internal const string AcquireSendPermitsManifest = "TA";
    internal const string SendPermitsManifest = "TP";
    internal const string SendPermitsWithCapManifest = "TP2";
    internal const string ReleaseConnectionsManifest = "TR";
    internal const string SendPermitsFreedManifest = "TF";
    internal const string ReleaseIdleConnectionsManifest = "TL";
    internal const string ReportSiteReplyManifest = "TY";
    internal const string ImposeSendActionManifest = "TI";
    internal const string CancelSendActionsManifest = "TC";
    internal const string GetSendThrottleStatusManifest = "TG";
    internal const string SendThrottleStatusManifest = "TS";

    internal const string JournalWriteFailedManifest = "CJ";
    internal const string PassivateEntityManifest = "CP";
    internal const string EntityCommandBundleManifest = "CB";
    internal const string EntityReplyBundleManifest = "CR";

    public ClusterMessageSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        DeliverToMailbox { Envelope: null } => DeliverToMailboxManifest,
        DeliverToMailbox => DeliverToMailboxWithEnvelopeManifest,
        RetractDelivery => RetractDeliveryManifest,
        GetMaildrop => GetMaildropManifest,
        ExpungeMessages => ExpungeMessagesManifest,
        GetMailboxStats => GetMailboxStatsManifest,
        CreateFolder => CreateFolderManifest,
        DeleteFolder => DeleteFolderManifest,
        RenameFolder => RenameFolderManifest,
        SubscribeFolder => SubscribeFolderManifest,
        UnsubscribeFolder => UnsubscribeFolderManifest,
        ListFolders => ListFoldersManifest,
        GetFolderStatus => GetFolderStatusManifest,
        EnsureSpecialFolders => EnsureSpecialFoldersManifest,
        SelectFolder => SelectFolderManifest,
        UnselectFolder => UnselectFolderManifest,
        StoreFlags => StoreFlagsManifest,
        GetVanished => GetVanishedManifest,
        AppendMessage => AppendMessageManifest,
        GetQuota => GetQuotaManifest,
        AppendMessages => AppendMessagesManifest,
        CopyMessages => CopyMessagesManifest,
        MoveMessages => MoveMessagesManifest,
        ExpungeDeleted => ExpungeDeletedManifest,
        StoreMessageStructure => StoreMessageStructureManifest,
        ReleaseViewedContent => ReleaseViewedContentManifest,
        MailboxDelivered => MailboxDeliveredManifest,
        DeliveryRetracted => DeliveryRetractedManifest,
        Maildrop => MaildropManifest,
        MessagesExpunged => MessagesExpungedManifest,
        MailboxStats => MailboxStatsManifest,
        MailboxCommandRefused => MailboxCommandRefusedManifest,
        FolderCommandDone => FolderCommandDoneManifest,
        FolderList => FolderListManifest,
        FolderInfo => FolderInfoManifest,
        SpecialFoldersEnsured => SpecialFoldersEnsuredManifest,
        FolderSelected => FolderSelectedManifest,
        FolderSelectedPart => FolderSelectedPartManifest,
        FolderUnselected => FolderUnselectedManifest,
        FlagsStored => FlagsStoredManifest,
        VanishedUids => VanishedUidsManifest,
        MessageAppendedToFolder => MessageAppendedToFolderManifest,
        QuotaStatus => QuotaStatusManifest,
        MessagesAppendedToFolder => MessagesAppendedToFolderManifest,
        MessagesCopied => MessagesCopiedManifest,
        FolderChanged => FolderChangedManifest,
        EnqueueDelivery => EnqueueDeliveryWithTagsManifest,
        RetractEnqueue => RetractEnqueueManifest,
        GetQueueStatus => GetQueueStatusManifest,
        SuspendQueue => SuspendQueueManifest,
        ResumeQueue => ResumeQueueManifest,
        FlushQueue => FlushQueueManifest,
        BounceQueued => BounceQueuedManifest,
        DeleteQueued => DeleteQueuedManifest,
        DeliveryEnqueued => DeliveryEnqueuedManifest,
        EnqueueRetracted => EnqueueRetractedManifest,
        QueueStatus => QueueStatusWithPoolsManifest,
        QueueControlDone => QueueControlDoneManifest,
        CheckGreylist => CheckGreylistManifest,
        GreylistVerdict => GreylistVerdictManifest,
        AcquireSendPermits => AcquireSendPermitsManifest,
        SendPermits => SendPermitsWithCapManifest,
        ReleaseConnections => ReleaseConnectionsManifest,
        SendPermitsFreed => SendPermitsFreedManifest,
        ReleaseIdleConnections => ReleaseIdleConnectionsManifest,
        ReportSiteReply => ReportSiteReplyManifest,
        ImposeSendAction => ImposeSendActionManifest,
        CancelSendActions => CancelSendActionsManifest,
        GetSendThrottleStatus => GetSendThrottleStatusManifest,
        SendThrottleStatus => SendThrottleStatusManifest,
        JournalWriteFailed => JournalWriteFailedManifest,
        PassivateEntity => PassivateEntityManifest,
        EntityCommandBundle => EntityCommandBundleManifest,
        EntityReplyBundle => EntityReplyBundleManifest,
        _ => throw new SerializationException($"{nameof(ClusterMessageSerializer)} cannot serialize {o.GetType().FullName}"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var w = new RecordWriter();
        switch (obj)
        {
            // ---- mailbox commands ----
            case DeliverToMailbox m:
                w.String(m.Address); w.String(m.QueueId); w.String(m.ContentRef); w.Long(m.Size); w.Timestamp(m.InternalDate);
                w.Long(m.CorrelationId); w.Bool(m.OncePerQueueId); w.Bool(m.ToJunk);
                if (m.Envelope is { } envelope) EntityRecordSerializer.WriteEnvelope(w, envelope); // MD2
                break;
            case RetractDelivery m:
                w.String(m.Address); w.String(m.QueueId); w.Long(m.CorrelationId);
                break;
            case GetMaildrop m:
                w.String(m.Address); w.String(m.Folder); w.Bool(m.WithoutStructures);
                break;
            case ExpungeMessages m:
                w.String(m.Address); w.String(m.Folder); w.Longs(m.Uids); w.Long(m.CorrelationId);
                break;
            case GetMailboxStats m:
                w.String(m.Address);
                break;
            case CreateFolder m:
                w.String(m.Address); w.String(m.Folder);
                break;
            case DeleteFolder m:
                w.String(m.Address); w.String(m.Folder);
                break;
            case RenameFolder m:
                w.String(m.Address); w.String(m.From); w.String(m.To);
                break;
            case SubscribeFolder m:
                w.String(m.Address); w.String(m.Folder);
                break;
            case UnsubscribeFolder m:
                w.String(m.Address); w.String(m.Folder);
                break;
            case ListFolders m:
                w.String(m.Address);
                break;
            case GetFolderStatus m:
                w.String(m.Address); w.String(m.Folder);
                break;
            case EnsureSpecialFolders m:
                w.String(m.Address);
                break;
            case SelectFolder m:
                w.String(m.Address); w.String(m.Folder); WriteActorRef(w, m.Session); w.Bool(m.ReadOnly); w.NullableLong(m.VanishedSince);
                break;
            case UnselectFolder m:
                w.String(m.Address); WriteActorRef(w, m.Session);
                break;
            case StoreFlags m:
                w.String(m.Address); w.String(m.Folder); w.Longs(m.Uids); w.Byte((byte)m.Mode); w.Strings(m.Flags); WriteActorRef(w, m.Session);
                w.NullableLong(m.UnchangedSince);
                break;
            case GetVanished m:
                w.String(m.Address); w.String(m.Folder); w.Long(m.Since);
                break;
            case AppendMessage m:
                w.String(m.Address); w.String(m.Folder); w.String(m.QueueId); w.String(m.ContentRef); w.Long(m.Size); w.Timestamp(m.InternalDate);
                w.Strings(m.Flags); WriteActorRef(w, m.Session);
                break;
            case GetQuota m:
                w.String(m.Address); w.NullableString(m.Folder);
                break;
            case AppendMessages m:
                w.String(m.Address); w.String(m.Folder);
                w.Int(m.Messages.Count);
                foreach (var a in m.Messages)
                {
                    w.String(a.QueueId); w.String(a.ContentRef); w.Long(a.Size); w.Timestamp(a.InternalDate); w.Strings(a.Flags);
                }
                WriteActorRef(w, m.Session);
                break;
            case CopyMessages m:
                w.String(m.Address); w.String(m.From); w.Longs(m.Uids); w.String(m.To); WriteActorRef(w, m.Session);
                break;
            case MoveMessages m:
                w.String(m.Address); w.String(m.From); w.Longs(m.Uids); w.String(m.To); WriteActorRef(w, m.Session);
                break;
            case ExpungeDeleted m:
                w.String(m.Address); w.String(m.Folder); w.NullableLongs(m.Uids); WriteActorRef(w, m.Session); w.Long(m.CorrelationId);
                break;
            case StoreMessageStructure m:
                w.String(m.Address); w.String(m.Folder); w.Long(m.Uid); w.Bytes(m.Structure);
                break;
            case ReleaseViewedContent m:
                w.String(m.Address); WriteActorRef(w, m.Session); w.Strings(m.ContentRefs);
                break;

            // ---- mailbox replies and pushes ----
            case MailboxDelivered m:
                w.String(m.Address); w.Long(m.CorrelationId); w.Long(m.Uid);
                break;
            case DeliveryRetracted m:
                w.String(m.Address); w.String(m.QueueId); w.Long(m.CorrelationId);
                break;
            case Maildrop m:
                w.String(m.Address); WriteMessages(w, m.Messages);
                break;
            case MessagesExpunged m:
                w.String(m.Address); w.String(m.Folder); w.Longs(m.Uids); w.Long(m.CorrelationId);
                break;
            case MailboxStats m:
                w.String(m.Address);
                w.Int(m.Folders.Count);
                foreach (var f in m.Folders)
                {
                    w.String(f.Folder); w.Int(f.Messages); w.Long(f.Bytes); w.Long(f.UidValidity); w.Long(f.UidNext);
                }
                break;
            case MailboxCommandRefused m:
                w.String(m.Address); w.String(m.Folder); w.Byte((byte)m.Reason);
                break;
            case FolderCommandDone m:
                w.String(m.Address); w.String(m.Folder);
                break;
            case FolderList m:
                w.String(m.Address);
                w.Int(m.Folders.Count);
                foreach (var f in m.Folders) WriteFolderInfo(w, f);
                w.Strings(m.Subscriptions);
                break;
            case FolderInfo m:
                WriteFolderInfo(w, m);
                break;
            case SpecialFoldersEnsured m:
                w.String(m.Address); w.Strings(m.Created);
                break;
            case FolderSelected m:
                w.String(m.Address); w.String(m.Folder); w.Bool(m.ReadOnly); w.Long(m.UidValidity); w.Long(m.UidNext); w.Long(m.RecentFrom);
                WriteMessages(w, m.Messages);
                w.NullableInt(m.FirstUnseen); w.Strings(m.Flags); w.Strings(m.PermanentFlags); w.Long(m.HighestModSeq); w.NullableLongs(m.VanishedSince);
                w.Int(m.Parts);
                break;
            case FolderSelectedPart m:
                w.String(m.Address); w.String(m.Folder); w.Int(m.Index); WriteMessages(w, m.Messages);
                break;
            case FolderUnselected m:
                w.String(m.Address);
                break;
            case FlagsStored m:
                w.String(m.Address); w.String(m.Folder); WriteFlagChanges(w, m.Flags); w.Longs(m.Modified); w.Longs(m.Changed);
                break;
            case VanishedUids m:
                w.String(m.Address); w.NullableLongs(m.Uids); w.Long(m.UidNext);
                break;
            case MessageAppendedToFolder m:
                w.String(m.Address); w.String(m.Folder); w.Long(m.UidValidity); w.Long(m.Uid); WriteAddedToSelected(w, m.Own);
                break;
            case QuotaStatus m:
                w.String(m.Address); w.Long(m.UsedBytes); w.NullableLong(m.LimitBytes);
                break;
            case MessagesAppendedToFolder m:
                w.String(m.Address); w.String(m.Folder); w.Long(m.UidValidity); w.Longs(m.Uids); WriteAddedToSelected(w, m.Own);
                break;
            case MessagesCopied m:
                w.String(m.Address); w.String(m.From); w.String(m.To); w.Long(m.UidValidity); w.Longs(m.SourceUids); w.Longs(m.TargetUids);
                w.Bool(m.Moved); WriteAddedToSelected(w, m.Own); w.Int((int)m.Junk);
                break;
            case FolderChanged m:
                w.String(m.Address); w.String(m.Folder); WriteMessages(w, m.Appended); w.Longs(m.RecentUids); w.Longs(m.ExpungedUids);
                WriteFlagChanges(w, m.FlagChanges);
                break;

            // ---- domain-queue commands ----
            case EnqueueDelivery m:
                w.String(m.QueueName); w.String(m.QueueId); w.String(m.ContentRef); w.String(m.ReversePath); w.Strings(m.Recipients);
                w.Long(m.Size); w.Timestamp(m.QueuedAt); w.Long(m.CorrelationId); w.Byte((byte)m.Traits);
                EntityRecordSerializer.WriteDsn(w, m.Dsn, m.RecipientDsn);
                w.NullableString(m.Pool); // QE2
                EntityRecordSerializer.WriteTags(w, m.Tags); // QE3
                break;
            case RetractEnqueue m:
                w.String(m.QueueName); w.String(m.QueueId); w.Long(m.CorrelationId);
                break;
            case GetQueueStatus m:
                w.String(m.QueueName);
                break;
            case SuspendQueue m:
                w.String(m.QueueName);
                break;
            case ResumeQueue m:
                w.String(m.QueueName);
                break;
            case FlushQueue m:
                w.String(m.QueueName);
                break;
            case BounceQueued m:
                w.String(m.QueueName); w.NullableString(m.QueueId); w.String(m.Reason);
                break;
            case DeleteQueued m:
                w.String(m.QueueName); w.String(m.QueueId);
                break;

            // ---- domain-queue replies ----
            case DeliveryEnqueued m:
                w.String(m.QueueName); w.Long(m.CorrelationId);
                break;
            case EnqueueRetracted m:
                w.String(m.QueueName); w.String(m.QueueId); w.Long(m.CorrelationId);
                break;
            case QueueStatus m:
                w.String(m.QueueName); w.Int(m.Pending);
                w.Int(m.Entries.Count);
                foreach (var d in m.Entries) WriteQueuedDelivery(w, d);
                w.Bool(m.Suspended);
                w.NullableString(m.Site);
                break;
            case QueueControlDone m:
                w.String(m.QueueName); w.Int(m.Affected);
                break;

            // ---- greylist ----
            case CheckGreylist m:
                w.String(m.Network); w.String(m.Sender); w.String(m.Recipient);
                break;
            case GreylistVerdict m:
                w.String(m.Network); w.Byte((byte)m.Outcome); w.Long(m.RetryAfter.Ticks); w.NullableString(m.Detail);
                break;

            // ---- send throttle ----
            case AcquireSendPermits m:
                w.String(m.ThrottleKey); w.String(m.Site);
                w.Int(m.Limits.ConnectionLimit); w.Int(m.Limits.ProviderConnectionLimit); WriteRate(w, m.Limits.MessageRate); WriteRate(w, m.Limits.ConnectionRate);
                w.Int(m.Held); w.Int(m.Connections); w.Int(m.Messages); w.Long(m.RequestId);
                break;
            case SendPermits m:
                w.String(m.ThrottleKey); w.String(m.Site); w.Long(m.RequestId); w.Int(m.Connections); w.Int(m.Messages); w.Long(m.RetryAfter.Ticks);
                w.Int(m.MessagesPerConnection); // TP2
                break;
            case ReleaseConnections m:
                w.String(m.ThrottleKey); w.String(m.Site); w.Int(m.Count);
                break;
            case SendPermitsFreed m:
                w.String(m.ThrottleKey);
                break;
            case ReleaseIdleConnections m:
                w.String(m.ThrottleKey);
                break;
            case ReportSiteReply m:
                w.String(m.ThrottleKey); w.String(m.Site); w.Int(m.Reply.Code); w.NullableString(m.Reply.EnhancedCode); w.Strings(m.Reply.Lines.ToArray());
                break;
            case ImposeSendAction m:
                w.String(m.ThrottleKey); w.Byte((byte)m.Scope); w.String(m.Target); w.String(m.Action); w.Long(m.Duration.Ticks); w.String(m.Reason);
                break;
            case CancelSendActions m:
                w.String(m.ThrottleKey); w.String(m.Target);
                break;
            case GetSendThrottleStatus m:
                w.String(m.ThrottleKey);
                break;
            case SendThrottleStatus m:
                w.String(m.ThrottleKey);
                w.Int(m.Open.Count);
                foreach (var o in m.Open) { w.String(o.Site); w.Int(o.Open); }
                w.Int(m.Active.Count);
                foreach (var a in m.Active)
                {
                    w.Long(a.Id); w.String(a.Source); w.Byte((byte)a.Scope); w.String(a.Target); w.String(a.Action.ToString());
                    w.Timestamp(a.Since); w.Timestamp(a.Until); w.String(a.Reason);
                }
                w.Int(m.Cancelled);
                break;

            // ---- cluster ----
            case JournalWriteFailed m:
                WriteNested(w, m.Command); w.String(m.Reason);
                break;
            case PassivateEntity:
                break;
            case EntityCommandBundle m:
                w.String(m.EntityId);
                w.Int(m.Commands.Count);
                foreach (var c in m.Commands) { WriteActorRef(w, c.Sender); WriteNested(w, c.Command); }
                break;
            case EntityReplyBundle m:
                w.Int(m.Replies.Count);
                foreach (var reply in m.Replies) { WriteActorRef(w, reply.To); WriteNested(w, reply.Message); }
                break;

            default:
                throw new SerializationException($"{nameof(ClusterMessageSerializer)} cannot serialize {obj.GetType().FullName}");
        }
        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new RecordReader(bytes);
        object result = manifest switch
        {
            DeliverToMailboxManifest => new DeliverToMailbox(r.String(), r.String(), r.String(), r.Long(), r.Timestamp(), r.Long()) { OncePerQueueId = r.Bool(), ToJunk = r.Bool() },
            DeliverToMailboxWithEnvelopeManifest => new DeliverToMailbox(r.String(), r.String(), r.String(), r.Long(), r.Timestamp(), r.Long())
                { OncePerQueueId = r.Bool(), ToJunk = r.Bool(), Envelope = EntityRecordSerializer.ReadEnvelope(r) },
            RetractDeliveryManifest => new RetractDelivery(r.String(), r.String(), r.Long()),
            GetMaildropManifest => new GetMaildrop(r.String(), r.String()) { WithoutStructures = r.Bool() },
            ExpungeMessagesManifest => new ExpungeMessages(r.String(), r.String(), r.Longs(), r.Long()),
            GetMailboxStatsManifest => new GetMailboxStats(r.String()),
            CreateFolderManifest => new CreateFolder(r.String(), r.String()),
            DeleteFolderManifest => new DeleteFolder(r.String(), r.String()),
            RenameFolderManifest => new RenameFolder(r.String(), r.String(), r.String()),
            SubscribeFolderManifest => new SubscribeFolder(r.String(), r.String()),
            UnsubscribeFolderManifest => new UnsubscribeFolder(r.String(), r.String()),
            ListFoldersManifest => new ListFolders(r.String()),
            GetFolderStatusManifest => new GetFolderStatus(r.String(), r.String()),
            EnsureSpecialFoldersManifest => new EnsureSpecialFolders(r.String()),
            SelectFolderManifest => new SelectFolder(r.String(), r.String(), ReadActorRef(r) ?? ActorRefs.Nobody, r.Bool()) { VanishedSince = r.NullableLong() },
            UnselectFolderManifest => new UnselectFolder(r.String(), ReadActorRef(r) ?? ActorRefs.Nobody),
            StoreFlagsManifest => new StoreFlags(r.String(), r.String(), r.Longs(), ReadEnum<FlagStoreMode>(r), r.Strings(), ReadActorRef(r))
                { UnchangedSince = r.NullableLong() },
            GetVanishedManifest => new GetVanished(r.String(), r.String(), r.Long()),
            AppendMessageManifest => new AppendMessage(r.String(), r.String(), r.String(), r.String(), r.Long(), r.Timestamp(), r.Strings(), ReadActorRef(r)),
            GetQuotaManifest => new GetQuota(r.String(), r.NullableString()),
            AppendMessagesManifest => ReadAppendMessages(r),
            CopyMessagesManifest => new CopyMessages(r.String(), r.String(), r.Longs(), r.String(), ReadActorRef(r)),
            MoveMessagesManifest => new MoveMessages(r.String(), r.String(), r.Longs(), r.String(), ReadActorRef(r)),
            ExpungeDeletedManifest => new ExpungeDeleted(r.String(), r.String(), r.NullableLongs(), ReadActorRef(r), r.Long()),
            StoreMessageStructureManifest => new StoreMessageStructure(r.String(), r.String(), r.Long(), r.Bytes()),
            ReleaseViewedContentManifest => new ReleaseViewedContent(r.String(), ReadActorRef(r) ?? ActorRefs.Nobody, r.Strings()),

            MailboxDeliveredManifest => new MailboxDelivered(r.String(), r.Long(), r.Long()),
            DeliveryRetractedManifest => new DeliveryRetracted(r.String(), r.String(), r.Long()),
            MaildropManifest => new Maildrop(r.String(), ReadMessages(r)),
            MessagesExpungedManifest => new MessagesExpunged(r.String(), r.String(), r.Longs(), r.Long()),
            MailboxStatsManifest => ReadMailboxStats(r),
            MailboxCommandRefusedManifest => new MailboxCommandRefused(r.String(), r.String(), ReadEnum<MailboxRefusal>(r)),
            FolderCommandDoneManifest => new FolderCommandDone(r.String(), r.String()),
            FolderListManifest => ReadFolderList(r),
            FolderInfoManifest => ReadFolderInfo(r),
            SpecialFoldersEnsuredManifest => new SpecialFoldersEnsured(r.String(), r.Strings()),
            FolderSelectedManifest => ReadFolderSelected(r),
            FolderSelectedPartManifest => new FolderSelectedPart(r.String(), r.String(), r.Int(), ReadMessages(r)),
            FolderUnselectedManifest => new FolderUnselected(r.String()),
            FlagsStoredManifest => new FlagsStored(r.String(), r.String(), ReadFlagChanges(r)) { Modified = r.Longs(), Changed = r.Longs() },
            VanishedUidsManifest => new VanishedUids(r.String(), r.NullableLongs(), r.Long()),
            MessageAppendedToFolderManifest => new MessageAppendedToFolder(r.String(), r.String(), r.Long(), r.Long()) { Own = ReadAddedToSelected(r) },
            QuotaStatusManifest => new QuotaStatus(r.String(), r.Long(), r.NullableLong()),
            MessagesAppendedToFolderManifest => new MessagesAppendedToFolder(r.String(), r.String(), r.Long(), r.Longs()) { Own = ReadAddedToSelected(r) },
            MessagesCopiedManifest => new MessagesCopied(r.String(), r.String(), r.String(), r.Long(), r.Longs(), r.Longs(), r.Bool()) { Own = ReadAddedToSelected(r), Junk = (JunkTransfer)r.Int() },
            FolderChangedManifest => new FolderChanged(r.String(), r.String(), ReadMessages(r), r.Longs(), r.Longs(), ReadFlagChanges(r)),

            EnqueueDeliveryManifest => ReadEnqueueDelivery(r),
            EnqueueDeliveryWithPoolManifest => ReadEnqueueDelivery(r) with { Pool = r.NullableString() },
            EnqueueDeliveryWithTagsManifest => ReadEnqueueDelivery(r) with { Pool = r.NullableString(), Tags = EntityRecordSerializer.ReadTags(r) },
            RetractEnqueueManifest => new RetractEnqueue(r.String(), r.String(), r.Long()),
            GetQueueStatusManifest => new GetQueueStatus(r.String()),
            SuspendQueueManifest => new SuspendQueue(r.String()),
            ResumeQueueManifest => new ResumeQueue(r.String()),
            FlushQueueManifest => new FlushQueue(r.String()),
            BounceQueuedManifest => new BounceQueued(r.String(), r.NullableString(), r.String()),
            DeleteQueuedManifest => new DeleteQueued(r.String(), r.String()),

            DeliveryEnqueuedManifest => new DeliveryEnqueued(r.String(), r.Long()),
            EnqueueRetractedManifest => new EnqueueRetracted(r.String(), r.String(), r.Long()),
            QueueStatusManifest => ReadQueueStatus(r),
            QueueStatusWithSiteManifest => ReadQueueStatus(r) with { Site = r.NullableString() },
            QueueStatusWithPoolsManifest => ReadQueueStatus(r, withPools: true) with { Site = r.NullableString() },
            QueueControlDoneManifest => new QueueControlDone(r.String(), r.Int()),

            CheckGreylistManifest => new CheckGreylist(r.String(), r.String(), r.String()),
            GreylistVerdictManifest => new GreylistVerdict(r.String(), ReadEnum<GreylistOutcome>(r), TimeSpan.FromTicks(r.Long())) { Detail = r.NullableString() },

            AcquireSendPermitsManifest => new AcquireSendPermits(r.String(), r.String(),
                new SendLimits(r.Int(), r.Int(), ReadRate(r), ReadRate(r)), r.Int(), r.Int(), r.Int(), r.Long()),
            SendPermitsManifest => new SendPermits(r.String(), r.String(), r.Long(), r.Int(), r.Int(), TimeSpan.FromTicks(r.Long())),
            SendPermitsWithCapManifest => new SendPermits(r.String(), r.String(), r.Long(), r.Int(), r.Int(), TimeSpan.FromTicks(r.Long())) { MessagesPerConnection = r.Int() },
            ReleaseConnectionsManifest => new ReleaseConnections(r.String(), r.String(), r.Int()),
            SendPermitsFreedManifest => new SendPermitsFreed(r.String()),
            ReleaseIdleConnectionsManifest => new ReleaseIdleConnections(r.String()),
            ReportSiteReplyManifest => new ReportSiteReply(r.String(), r.String(), new ActorMTA.Protocol.Smtp.SmtpReply(r.Int(), r.NullableString(), r.Strings())),
            ImposeSendActionManifest => new ImposeSendAction(r.String(), ReadEnum<AutomationScope>(r), r.String(), r.String(), TimeSpan.FromTicks(r.Long()), r.String()),
            CancelSendActionsManifest => new CancelSendActions(r.String(), r.String()),
            GetSendThrottleStatusManifest => new GetSendThrottleStatus(r.String()),
            SendThrottleStatusManifest => ReadSendThrottleStatus(r),

            JournalWriteFailedManifest => new JournalWriteFailed(ReadNested(r), r.String()),
            PassivateEntityManifest => PassivateEntity.Instance,
            EntityCommandBundleManifest => ReadCommandBundle(r),
            EntityReplyBundleManifest => ReadReplyBundle(r),

            _ => throw new SerializationException($"{nameof(ClusterMessageSerializer)}: unknown manifest '{manifest}' (sent by a newer node?)"),
        };
        r.End();
        return result;
    }

    private EntityCommandBundle ReadCommandBundle(RecordReader r)
    {
        var id = r.String();
        var commands = new BundledCommand[r.Int()];
        for (var i = 0; i < commands.Length; i++) commands[i] = new BundledCommand(ReadActorRef(r) ?? ActorRefs.Nobody, ReadNested(r));
        return new EntityCommandBundle(id, commands);
    }

    private EntityReplyBundle ReadReplyBundle(RecordReader r)
    {
        var replies = new BundledReply[r.Int()];
        for (var i = 0; i < replies.Length; i++) replies[i] = new BundledReply(ReadActorRef(r) ?? ActorRefs.Nobody, ReadNested(r));
        return new EntityReplyBundle(replies);
    }

    // ---- actor references and nested messages ----

    /// <summary>The full path with the node's address (the session may be on another node); null and NoSender alike stay absent.</summary>
    private static void WriteActorRef(RecordWriter w, IActorRef? actorRef) =>
        w.NullableString(actorRef is null || actorRef.IsNobody() ? null : Akka.Serialization.Serialization.SerializedActorPath(actorRef));

    private IActorRef? ReadActorRef(RecordReader r) => r.NullableString() is { } path ? system.Provider.ResolveActorRef(path) : null;

    /// <summary>
    /// JournalWriteFailed hands back the command as the entity got it: any message, written by whatever serializer
    /// the system binds to its type (this one for every entity command).
    /// </summary>
    private void WriteNested(RecordWriter w, object message)
    {
        var serializer = system.Serialization.FindSerializerFor(message);
        w.Int(serializer.Identifier);
        w.String(Akka.Serialization.Serialization.ManifestFor(serializer, message));
        w.Bytes(serializer.ToBinary(message));
    }

    private object ReadNested(RecordReader r)
    {
        var serializerId = r.Int();
        var manifest = r.String();
        return system.Serialization.Deserialize(r.Bytes(), serializerId, manifest);
    }

    // ---- nested types ----

    private static void WriteMessages(RecordWriter w, IReadOnlyList<MailboxMessage> messages)
    {
        w.Int(messages.Count);
        foreach (var m in messages) WriteMessage(w, m);
    }

    private static void WriteMessage(RecordWriter w, MailboxMessage m)
    {
        w.Long(m.Uid); w.String(m.QueueId); w.String(m.ContentRef); w.Long(m.Size); w.Timestamp(m.InternalDate); w.Strings(m.Flags);
        w.NullableBytes(m.Structure); w.Long(m.ModSeq);
    }

    private static SendThrottleStatus ReadSendThrottleStatus(RecordReader r)
    {
        var key = r.String();
        var open = new SiteConnections[r.Int()];
        for (var i = 0; i < open.Length; i++) open[i] = new SiteConnections(r.String(), r.Int());
        var active = new ActiveAutomation[r.Int()];
        for (var i = 0; i < active.Length; i++)
            active[i] = new ActiveAutomation(r.Long(), r.String(), ReadEnum<AutomationScope>(r), r.String(), AutomationAction.Parse(r.String(), "action"),
                r.Timestamp(), r.Timestamp(), r.String());
        return new SendThrottleStatus(key, open, active, r.Int());
    }

    private static void WriteRate(RecordWriter w, ShapingRate rate)
    {
        w.Long(rate.Count); w.Long(rate.Per.Ticks);
    }

    private static ShapingRate ReadRate(RecordReader r) => new(r.Long(), TimeSpan.FromTicks(r.Long()));

    private static MailboxMessage[] ReadMessages(RecordReader r)
    {
        var messages = new MailboxMessage[r.Count()];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = new MailboxMessage(r.Long(), r.String(), r.String(), r.Long(), r.Timestamp(), ReadFlags(r))
            {
                Structure = r.NullableBytes(),
                ModSeq = r.Long(),
            };
        }
        return messages;
    }

    /// <summary>The same case-insensitive sets the mailbox builds, so "\SEEN" still finds "\Seen" on the other node.</summary>
    private static IReadOnlySet<string> ReadFlags(RecordReader r)
    {
        var flags = r.Strings();
        return flags.Length == 0 ? MailboxMessage.NoFlags : MailboxMessage.FlagSet(flags);
    }

    private static void WriteFlagChanges(RecordWriter w, IReadOnlyList<FlagChange> changes)
    {
        w.Int(changes.Count);
        foreach (var c in changes)
        {
            w.Long(c.Uid); w.Strings(c.Flags); w.Long(c.ModSeq);
        }
    }

    private static FlagChange[] ReadFlagChanges(RecordReader r)
    {
        var changes = new FlagChange[r.Count()];
        for (var i = 0; i < changes.Length; i++) changes[i] = new FlagChange(r.Long(), ReadFlags(r)) { ModSeq = r.Long() };
        return changes;
    }

    private static void WriteAddedToSelected(RecordWriter w, AddedToSelected? own)
    {
        w.Bool(own is not null);
        if (own is null) return;
        WriteMessages(w, own.Messages);
        w.Longs(own.RecentUids);
    }

    private static AddedToSelected? ReadAddedToSelected(RecordReader r) => r.Bool() ? new AddedToSelected(ReadMessages(r), r.Longs()) : null;

    private static void WriteFolderInfo(RecordWriter w, FolderInfo f)
    {
        w.String(f.Name); w.Bool(f.Subscribed); w.NullableString(f.SpecialUse); w.Bool(f.HasChildren); w.Int(f.Messages); w.Int(f.Recent);
        w.Int(f.Unseen); w.Long(f.Bytes); w.Long(f.UidValidity); w.Long(f.UidNext); w.Long(f.HighestModSeq); w.Int(f.Deleted); w.Long(f.DeletedBytes);
    }

    private static FolderInfo ReadFolderInfo(RecordReader r) =>
        new(r.String(), r.Bool(), r.NullableString(), r.Bool(), r.Int(), r.Int(), r.Int(), r.Long(), r.Long(), r.Long())
        {
            HighestModSeq = r.Long(),
            Deleted = r.Int(),
            DeletedBytes = r.Long(),
        };

    private static FolderList ReadFolderList(RecordReader r)
    {
        var address = r.String();
        var folders = new FolderInfo[r.Count()];
        for (var i = 0; i < folders.Length; i++) folders[i] = ReadFolderInfo(r);
        return new FolderList(address, folders, r.Strings());
    }

    private static MailboxStats ReadMailboxStats(RecordReader r)
    {
        var address = r.String();
        var folders = new FolderStats[r.Count()];
        for (var i = 0; i < folders.Length; i++) folders[i] = new FolderStats(r.String(), r.Int(), r.Long(), r.Long(), r.Long());
        return new MailboxStats(address, folders);
    }

    private static FolderSelected ReadFolderSelected(RecordReader r) =>
        new(r.String(), r.String(), r.Bool(), r.Long(), r.Long(), r.Long(), ReadMessages(r), r.NullableInt(), r.Strings(), r.Strings())
        {
            HighestModSeq = r.Long(),
            VanishedSince = r.NullableLongs(),
            Parts = r.Int(),
        };

    private AppendMessages ReadAppendMessages(RecordReader r)
    {
        var address = r.String();
        var folder = r.String();
        var messages = new AppendedMessage[r.Count()];
        for (var i = 0; i < messages.Length; i++) messages[i] = new AppendedMessage(r.String(), r.String(), r.Long(), r.Timestamp(), r.Strings());
        return new AppendMessages(address, folder, messages, ReadActorRef(r));
    }

    private static EnqueueDelivery ReadEnqueueDelivery(RecordReader r)
    {
        var enqueue = new EnqueueDelivery(r.String(), r.String(), r.String(), r.String(), r.Strings(), r.Long(), r.Timestamp(), r.Long())
        {
            Traits = (ContentTraits)r.Byte(),
        };
        var (dsn, recipientDsn) = EntityRecordSerializer.ReadDsn(r);
        return enqueue with { Dsn = dsn, RecipientDsn = recipientDsn };
    }

    private static void WriteQueuedDelivery(RecordWriter w, QueuedDelivery d)
    {
        w.String(d.QueueId); w.String(d.ContentRef); w.String(d.ReversePath); w.Strings(d.Recipients); w.Long(d.Size); w.Timestamp(d.QueuedAt);
        w.Int(d.Attempts); w.Timestamp(d.NextAttemptAt); w.NullableString(d.LastResult);
        EntityRecordSerializer.WriteFailures(w, d.Failures);
        w.Int(d.BouncesSent); w.Bool(d.DelayWarningSent); w.Byte((byte)d.Traits);
        EntityRecordSerializer.WriteDsn(w, d.Dsn, d.RecipientDsn);
        w.NullableString(d.Pool); // AS3
    }

    private static QueuedDelivery ReadQueuedDelivery(RecordReader r, bool withPool)
    {
        var entry = new QueuedDelivery(r.String(), r.String(), r.String(), r.Strings(), r.Long(), r.Timestamp(), r.Int(), r.Timestamp(), r.NullableString())
        {
            Failures = EntityRecordSerializer.ReadFailures(r),
            BouncesSent = r.Int(),
            DelayWarningSent = r.Bool(),
            Traits = (ContentTraits)r.Byte(),
        };
        var (dsn, recipientDsn) = EntityRecordSerializer.ReadDsn(r);
        return entry with { Dsn = dsn, RecipientDsn = recipientDsn, Pool = withPool ? r.NullableString() : null };
    }

    private static QueueStatus ReadQueueStatus(RecordReader r, bool withPools = false)
    {
        var queueName = r.String();
        var pending = r.Int();
        var entries = new QueuedDelivery[r.Count()];
        for (var i = 0; i < entries.Length; i++) entries[i] = ReadQueuedDelivery(r, withPools);
        return new QueueStatus(queueName, pending, entries) { Suspended = r.Bool() };
    }

    private static T ReadEnum<T>(RecordReader r) where T : struct, Enum => EntityRecordSerializer.ReadEnum<T>(r);
}
