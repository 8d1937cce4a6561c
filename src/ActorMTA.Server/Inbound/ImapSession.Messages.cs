using System.Buffers;
using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Imap;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Net;
using ActorMTA.Storage;
using ActorMTA.Storage.Space;
using Akka.Actor;
using Akka.Event;
using MimeKit;

namespace ActorMTA.Server.Inbound;

/// <summary>Message commands of the selected folder (FETCH, STORE, COPY, MOVE, EXPUNGE) and APPEND; SEARCH is in ImapSession.Search.cs.
/// Content is read and parsed off the actor thread; results come back as messages.</summary>
public sealed partial class ImapSession
{
    /// <summary>What is left of a FETCH: its targets from <see cref="Start"/> on.</summary>
    private sealed record FetchJob(IContentStore Content, List<(uint Sequence, MailboxMessage Message)> Targets, int Start,
        List<FetchAttribute> Attributes, HashSet<long> Recent, bool MarkSeen);

    /// <summary>One chunk of a FETCH response, formatted off the actor thread; <see cref="Next"/> is the rest, if any.</summary>
    private sealed record FetchReady(IReadOnlyList<Net.ConnectionDirective> Wire, IReadOnlyList<(long Uid, byte[] Structure)> NewStructures,
        IReadOnlyList<long> SeenUids, string? Error, FetchJob? Next = null)
    {
        /// <summary>Messages of the chunk whose content is gone from the store (expunged meanwhile): left out of the response.</summary>
        public int Missing { get; init; }

        /// <summary>BINARY of a part whose transfer encoding cannot be undone (RFC 3516: NO [UNKNOWN-CTE]).</summary>
        public bool UnknownEncoding { get; init; }
    }

    /// <summary>The connection has taken the previous chunk: time to build the next one.</summary>
    private sealed record FetchChunkWritten(FetchJob Next);

    private sealed record AppendedContent(string QueueId, string ContentRef, long Size);

    private sealed record AppendSpooled(IReadOnlyList<AppendedContent> Messages, Exception? Error);

    private void ReceiveMessageWork()
    {
        Receive<FetchReady>(OnFetchReady);
        Receive<FetchChunkWritten>(m => StartFetchChunk(m.Next));
        Receive<AppendSpooled>(OnAppendSpooled);
    }

    private bool ExecuteMessageCommand(ImapCommand command)
    {
        switch (command)
        {
            case ImapCommand.Fetch fetch:
                Fetch(fetch);
                return true;
            case ImapCommand.Store store:
                Store(store);
                return true;
            case ImapCommand.Copy copy:
                CopyOrMove(copy.ByUid, copy.Set, copy.Mailbox, move: false);
                return true;
            case ImapCommand.Move move:
                CopyOrMove(move.ByUid, move.Set, move.Mailbox, move: true);
                return true;
            case ImapCommand.Expunge expunge:
                var uids = expunge.Uids is null ? null : Resolve(true, expunge.Uids).Select(x => x.Message.Uid).ToList();
                AskMailbox(new ExpungeDeleted(_user!, _selected!.Name, uids, Self), reply =>
                {
                    if (reply is JournalWriteFailed) { RefusedReply(reply); return; }
                    if (reply is MessagesExpunged expunged) SendExpunges(expunged.Uids);
                    Complete(ImapStatus.Ok, null, command.Name + " completed");
                });
                return true;
            case ImapCommand.Append append:
                Append(append);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The messages a sequence set or UID set names, in sequence order; UIDs that are gone are skipped.</summary>
    private List<(uint Sequence, MailboxMessage Message)> Resolve(bool byUid, SequenceSet set)
    {
        if (set.IsSavedResult) return ResolveSavedResult();
        var messages = _selected!.Messages;
        var result = new List<(uint, MailboxMessage)>();
        if (messages.Count == 0) return result;
        var largest = byUid ? (uint)messages[^1].Uid : (uint)messages.Count;
        for (var i = 0; i < messages.Count; i++)
        {
            var key = byUid ? (uint)messages[i].Uid : (uint)(i + 1);
            if (set.Contains(key, largest)) result.Add(((uint)(i + 1), messages[i]));
        }
        return result;
    }

    private void SendExpunges(IEnumerable<long> uids)
    {
        foreach (var response in _selected!.Expunge(uids)) Send(response);
        ReportReleasedContent();
    }

    /// <summary>Messages this session added to its own selected folder: told (EXISTS, RECENT) before the tagged OK.</summary>
    private void HoldOwnAdded(string folder, AddedToSelected? own)
    {
        if (own is null || _selected is null || !string.Equals(folder, _selected.Name, StringComparison.Ordinal)) return;
        _selected.HoldOwnAdded(own.Messages, own.RecentUids);
    }

    // ---- FETCH ----

    private void Fetch(ImapCommand.Fetch fetch)
    {
        if (fetch.Vanished && !_qresync)
        {
            Complete(ImapStatus.Bad, null, "VANISHED needs QRESYNC enabled");
            return;
        }
        var targets = Resolve(fetch.ByUid, fetch.Set);
        var attributes = fetch.Attributes.ToList();
        if (fetch.ByUid && !attributes.OfType<FetchAttribute.Uid>().Any()) attributes.Insert(0, FetchAttribute.Uid.Instance);
        if (fetch.ChangedSince is { } since)
        {
            // RFC 7162 section 3.1.4: only what changed after the client's mod-sequence, with MODSEQ.
            targets = targets.Where(t => t.Message.ModSeq > since).ToList();
            if (!attributes.OfType<FetchAttribute.ModSeq>().Any()) attributes.Add(FetchAttribute.ModSeq.Instance);
        }
        if (attributes.OfType<FetchAttribute.ModSeq>().Any()) EnableCondStore();
        // As Dovecot does: once CONDSTORE is on, flags always go with the mod-sequence they belong to.
        else if (_condStore && attributes.OfType<FetchAttribute.Flags>().Any()) attributes.Add(FetchAttribute.ModSeq.Instance);
        if (fetch.Vanished)
        {
            AskMailbox(new GetVanished(_user!, _selected!.Name, fetch.ChangedSince!.Value), reply =>
            {
                if (reply is not VanishedUids vanished)
                {
                    RefusedReply(reply);
                    return;
                }
                SendVanishedEarlier(fetch.Set, vanished);
                StartFetch(targets, attributes);
            });
            return;
        }
        StartFetch(targets, attributes);
    }

    /// <summary>
    /// UID FETCH ... (VANISHED): the uids of the set expunged since the client's mod-sequence, as one VANISHED (EARLIER)
    /// before the FETCH responses (RFC 7162 section 3.2.6). Uids still in this view are told later, as plain VANISHED.
    /// </summary>
    private void SendVanishedEarlier(SequenceSet set, VanishedUids vanished)
    {
        var view = _selected!;
        var largest = (uint)Math.Max(1, vanished.UidNext - 1);
        var uids = (vanished.Uids ?? MissingUids(set, vanished.UidNext, view))
            .Where(uid => set.Contains((uint)uid, largest) && view.IndexOf(uid) < 0)
            .Select(uid => (uint)uid).Distinct().Order().ToList();
        if (uids.Count > 0) Send(new ImapResponse.Vanished(true, SequenceSet.FromNumbers(uids)));
    }

    private void StartFetch(List<(uint Sequence, MailboxMessage Message)> targets, List<FetchAttribute> attributes)
    {
        var recent = _selected!.Recent.ToHashSet();
        var markSeen = !_selected.ReadOnly && attributes.Any(a => a.SetsSeen);
        _fetchSeen = [];
        _fetchMissing = 0;
        StartFetchChunk(new FetchJob(Services.Content, targets, 0, attributes, recent, markSeen));
    }

    private List<long>? _fetchSeen;
    private int _fetchMissing;

    // A FETCH goes out in chunks: the first bytes reach the client after one chunk is read and formatted, not after
    // the whole folder, and memory holds one chunk (plus what the socket buffers), not 20,000 messages' bodies.
    private const int FetchChunkMessages = 500;
    private const int FetchChunkBytes = 1 << 20;

    private void StartFetchChunk(FetchJob job) =>
        Task.Run(() => BuildFetch(job)).PipeTo(Self, failure: e => new FetchReady([], [], [], e.Message)
        {
            UnknownEncoding = e.GetBaseException() is UnknownContentTransferEncodingException,
        });

    private static FetchReady BuildFetch(FetchJob job)
    {
        var wire = new Net.WireChunker();
        var newStructures = new List<(long, byte[])>();
        var seen = new List<long>();
        var attributes = job.Attributes;
        var needsStructure = attributes.Any(a => a is FetchAttribute.Envelope or FetchAttribute.Body or FetchAttribute.BodyStructure || a.NeedsContent);
        var needsContent = attributes.Any(a => a.NeedsContent);
        var missing = 0;
        var index = job.Start;
        for (; index < job.Targets.Count && index - job.Start < FetchChunkMessages && wire.Length < FetchChunkBytes; index++)
        {
            var (sequence, message) = job.Targets[index];
            var content = job.Content;
            Stream Open() => content.OpenRead(message.ContentRef);
            // Still in this session's view but gone from the store (expunged, and no view retained it): no response
            // for it, and the command ends in NO (RFC 3501 section 7.4.1), instead of a failed command or a cut literal.
            if ((needsContent || needsStructure && message.Structure is null) && !content.Exists(message.ContentRef))
            {
                missing++;
                continue;
            }
            MessageStructure? structure = null;
            if (needsStructure)
            {
                if (message.Structure is { } blob) structure = MessageStructure.Deserialize(blob);
                else
                {
                    using (var raw = Open()) structure = MessageStructure.Compute(raw);
                    newStructures.Add((message.Uid, structure.Serialize()));
                }
            }
            var items = new List<ImapFetchItem>(attributes.Count);
            foreach (var attribute in attributes)
            {
                switch (attribute)
                {
                    case FetchAttribute.Uid:
                        items.Add(new ImapFetchItem.Uid((uint)message.Uid));
                        break;
                    case FetchAttribute.ModSeq:
                        items.Add(new ImapFetchItem.ModSeq(message.ModSeq));
                        break;
                    case FetchAttribute.Flags:
                        var flags = message.Flags.ToList();
                        if (job.MarkSeen && !message.HasFlag(MailboxFlags.Seen)) flags.Add(MailboxFlags.Seen);
                        if (job.Recent.Contains(message.Uid)) flags.Add(MailboxFlags.Recent);
                        items.Add(new ImapFetchItem.Flags(flags));
                        break;
                    case FetchAttribute.InternalDate:
                        items.Add(new ImapFetchItem.InternalDate(message.InternalDate));
                        break;
                    case FetchAttribute.Rfc822Size:
                        items.Add(new ImapFetchItem.Rfc822Size(message.Size));
                        break;
                    case FetchAttribute.Envelope:
                        items.Add(new ImapFetchItem.Envelope(structure!.Envelope));
                        break;
                    case FetchAttribute.Body:
                        items.Add(new ImapFetchItem.BodyStructure(structure!.Body, false));
                        break;
                    case FetchAttribute.BodyStructure:
                        items.Add(new ImapFetchItem.BodyStructure(structure!.Body, true));
                        break;
                    case FetchAttribute.Section section:
                        items.Add(ImapFetchItem.Content.ForSection(section, ReadSection(structure!, Open, section.Spec, section.Partial)));
                        break;
                    case FetchAttribute.Binary binary:
                    {
                        var decoded = BinarySectionReader.Read(structure!, Open, binary.Part);
                        var value = decoded is null ? null : BinarySectionReader.Slice(decoded, binary.Partial);
                        items.Add(new ImapFetchItem.Content(binary.ResponseName, binary.Partial?.Origin,
                            value is null ? null : new ImapContent.InMemory(value)) { Literal8 = value is not null && value.AsSpan().Contains((byte)0) });
                        break;
                    }
                    case FetchAttribute.BinarySize size:
                        items.Add(new ImapFetchItem.BinarySize(size.ResponseName, BinarySectionReader.Read(structure!, Open, size.Part)?.Length ?? 0));
                        break;
                    case FetchAttribute.Rfc822:
                        items.Add(new ImapFetchItem.Content("RFC822", null, ReadSection(structure!, Open, BodySection.Entire, null)));
                        break;
                    case FetchAttribute.Rfc822Header:
                        items.Add(new ImapFetchItem.Content("RFC822.HEADER", null,
                            ReadSection(structure!, Open, new BodySection([], BodySectionText.Header, []), null)));
                        break;
                    case FetchAttribute.Rfc822Text:
                        items.Add(new ImapFetchItem.Content("RFC822.TEXT", null,
                            ReadSection(structure!, Open, new BodySection([], BodySectionText.Text, []), null)));
                        break;
                }
            }
            if (job.MarkSeen && !message.HasFlag(MailboxFlags.Seen)) seen.Add(message.Uid);

            // Consecutive responses travel as one write; long sections are copied file-to-socket at their place.
            ImapResponseFormatter.WriteTo(wire, new ImapResponse.Fetch(sequence, items), streamed =>
            {
                var section = (StreamedSection)streamed.Source;
                wire.Add(new Net.SendContentSlice(section.Open, section.Slice.Offset, section.Slice.Length));
            });
        }
        return new FetchReady(wire.Finish(), newStructures, seen, null, index < job.Targets.Count ? job with { Start = index } : null) { Missing = missing };
    }

    /// <summary>The section in memory. Sections are cut at the recorded offsets, so only the asked-for bytes are read.</summary>
    private static ImapContent? ReadSection(MessageStructure structure, Func<Stream> open, BodySection section, FetchPartial? partial) =>
        BodySectionReader.Read(structure, open, section, partial, InlineSectionLimit) switch
        {
            // Long sections go from the file to the socket; remember which file.
            ImapContent.Streamed { Source: BodySectionReader.RawSlice slice } streamed => new ImapContent.Streamed(streamed.ByteCount, new StreamedSection(open, slice)),
            var other => other,
        };

    /// <summary>Sections up to this size are read into the response; longer ones are copied from the content store by the connection.</summary>
    private const long InlineSectionLimit = 64 * 1024;

    private sealed record StreamedSection(Func<Stream> Open, BodySectionReader.RawSlice Slice);

    private void OnFetchReady(FetchReady ready)
    {
        if (ready.UnknownEncoding)
        {
            _fetchSeen = null;
            Complete(ImapStatus.No, ImapResponseCode.UnknownCte, ready.Error ?? "Unknown content-transfer-encoding");
            return;
        }
        if (ready.Error is not null)
        {
            Log.Warning("imap session={0} user={1} FETCH failed: {2}", SessionId, _user, ready.Error);
            _fetchSeen = null;
            Complete(ImapStatus.No, ImapResponseCode.ServerBug, "FETCH failed");
            return;
        }
        foreach (var (uid, blob) in ready.NewStructures)
            Services.MailboxRegion.Tell(new StoreMessageStructure(_user!, _selected!.Name, uid, blob));
        foreach (var directive in ready.Wire) Connection.Post(directive);
        _fetchSeen!.AddRange(ready.SeenUids);
        _fetchMissing += ready.Missing;
        if (ready.Next is { } next)
        {
            // The next chunk is built once the connection has taken this one, while the socket drains it.
            Connection.Post(new Net.NotifyWhenWritten(new FetchChunkWritten(next)));
            return;
        }
        var seenUids = _fetchSeen;
        _fetchSeen = null;
        if (seenUids.Count == 0)
        {
            CompleteFetch();
            return;
        }
        AskMailbox(new StoreFlags(_user!, _selected!.Name, seenUids, FlagStoreMode.Add, [MailboxFlags.Seen], Self), reply =>
        {
            if (reply is FlagsStored stored)
            {
                // The implicit \Seen is reported (RFC 3501 section 6.4.5) unless FLAGS was asked for and already shows it
                // (from the view as it was: a newer change by another session is still to be told).
                // With CONDSTORE the new mod-sequence is told too (RFC 7162 section 3.1.4), so the flags go again with it.
                var fetch = (ImapCommand.Fetch)_running!;
                var tell = _condStore || !fetch.Attributes.OfType<FetchAttribute.Flags>().Any();
                UpdateFlags(stored.Flags, told: tell);
                if (tell)
                {
                    foreach (var change in stored.Flags)
                    {
                        var index = _selected!.IndexOf(change.Uid);
                        if (index >= 0) Send(_selected.FlagsResponse(index, withUid: fetch.ByUid));
                    }
                }
            }
            CompleteFetch();
        });
    }

    /// <summary>OK, or NO when messages of the view were gone from the store (RFC 5530 EXPUNGEISSUED): the rest was sent.</summary>
    private void CompleteFetch()
    {
        var missing = _fetchMissing;
        _fetchMissing = 0;
        if (missing > 0) Complete(ImapStatus.No, ImapResponseCode.ExpungeIssued, "Some messages were expunged and could not be fetched");
        else Complete(ImapStatus.Ok, null, _running!.Name + " completed");
    }

    /// <summary>The session's own new flags: into the view (announcing new keywords first).</summary>
    /// <param name="told">The caller sends FETCH FLAGS of these messages from the updated view now.</param>
    private void UpdateFlags(IReadOnlyList<FlagChange> changes, bool told)
    {
        if (_selected is null) return;
        foreach (var response in _selected.ApplyOwnFlags(changes, told)) Send(response);
    }

    // ---- STORE ----

    private void Store(ImapCommand.Store store)
    {
        var uids = Resolve(store.ByUid, store.Set).Select(x => x.Message.Uid).ToList();
        var mode = store.Mode switch
        {
            StoreMode.Add => FlagStoreMode.Add,
            StoreMode.Remove => FlagStoreMode.Remove,
            _ => FlagStoreMode.Replace,
        };
        if (store.UnchangedSince is not null) EnableCondStore();
        var request = new StoreFlags(_user!, _selected!.Name, uids, mode, MailboxFlags.Storable(store.Flags).ToList(), Self) { UnchangedSince = store.UnchangedSince };
        AskMailbox(request, reply =>
        {
            if (reply is JournalWriteFailed) { RefusedReply(reply); return; }
            ImapResponseCode? code = null;
            if (reply is FlagsStored stored)
            {
                UpdateFlags(stored.Flags, told: !store.Silent);
                var view = _selected!;
                if (!store.Silent)
                {
                    foreach (var change in stored.Flags)
                    {
                        var index = view.IndexOf(change.Uid);
                        if (index >= 0) Send(view.FlagsResponse(index, withUid: store.ByUid));
                    }
                }
                else if (_condStore)
                {
                    // RFC 7162 section 3.1.3: even .SILENT tells the new mod-sequence of what changed.
                    foreach (var uid in stored.Changed)
                    {
                        var index = view.IndexOf(uid);
                        if (index < 0) continue;
                        var items = new List<ImapFetchItem>();
                        if (store.ByUid || _qresync) items.Add(new ImapFetchItem.Uid((uint)uid));
                        items.Add(new ImapFetchItem.ModSeq(view.Messages[index].ModSeq));
                        Send(new ImapResponse.Fetch((uint)index + 1, items));
                    }
                }
                var modified = stored.Modified.Select(uid => store.ByUid ? (uint)uid : (uint)(view.IndexOf(uid) + 1)).Where(n => n > 0).Order().ToList();
                if (modified.Count > 0) code = ImapResponseCode.Modified(SequenceSet.FromNumbers(modified));
            }
            Complete(ImapStatus.Ok, code, store.Name + " completed");
        });
    }

    // ---- COPY / MOVE ----

    private void CopyOrMove(bool byUid, SequenceSet set, string mailbox, bool move)
    {
        var resolved = Resolve(byUid, set);
        var uids = resolved.Select(x => x.Message.Uid).ToList();
        var name = _running!.Name;
        if (uids.Count == 0)
        {
            Complete(ImapStatus.Ok, null, name + " completed");
            return;
        }
        var target = Folder(mailbox);
        IMailboxCommand request = move
            ? new MoveMessages(_user!, _selected!.Name, uids, target, Self)
            : new CopyMessages(_user!, _selected!.Name, uids, target, Self);
        AskMailbox(request, reply =>
        {
            if (reply is not MessagesCopied copied)
            {
                RefusedReply(reply);
                return;
            }
            if (copied.Junk != JunkTransfer.None && Services.Learner is { } learner)
                learner.Learn(resolved.Select(x => (x.Message.QueueId, x.Message.ContentRef)).ToList(), copied.Junk == JunkTransfer.IntoJunk, SessionId);
            var code = copied.SourceUids.Count == 0 ? null
                : ImapResponseCode.CopyUid((uint)copied.UidValidity, copied.SourceUids.Select(u => (uint)u).ToList(),
                    copied.TargetUids.Select(u => (uint)u).ToList());
            if (move)
            {
                // RFC 6851: COPYUID goes in an untagged OK before the EXPUNGEs.
                if (code is not null) Send(new ImapResponse.StatusResponse(null, ImapStatus.Ok, code, "Moved"));
                SendExpunges(copied.SourceUids);
                // After the EXPUNGEs: a MOVE into the selected folder itself then shows the new copies as EXISTS.
                HoldOwnAdded(copied.To, copied.Own);
                Complete(ImapStatus.Ok, null, name + " completed");
            }
            else
            {
                HoldOwnAdded(copied.To, copied.Own);
                Complete(ImapStatus.Ok, code, name + " completed");
            }
        });
    }

    // ---- APPEND ----

    /// <summary>
    /// One APPEND message literal: written into the content store as it arrives, or (storage low, file not created)
    /// read and dropped with the reason kept, so the session stays in step and answers NO.
    /// </summary>
    private sealed record AppendPart(ContentWriter? Writer, ContentWriterSink? Sink, IOException? Failure)
    {
        public IOException? Error => Failure ?? Sink?.Failure;
    }

    /// <summary>Where the next APPEND literal goes: the content store, or nowhere when storage is low or failing.</summary>
    private IMessageSink StartAppendContent()
    {
        if (Services.Space.IsLow)
        {
            _appendParts.Add(new AppendPart(null, null, new InsufficientStorageException()));
            return DiscardingSink.Instance;
        }
        try
        {
            var writer = Services.Content.BeginWrite(QueueIds.New());
            var sink = new ContentWriterSink(writer);
            _appendParts.Add(new AppendPart(writer, sink, null));
            return sink;
        }
        catch (IOException e)
        {
            _appendParts.Add(new AppendPart(null, null, e));
            return DiscardingSink.Instance;
        }
    }

    /// <summary>
    /// APPEND of one or more messages (MULTIAPPEND, RFC 3502): every message is committed to the content store,
    /// then all go into the mailbox in one step, or none does.
    /// </summary>
    private void Append(ImapCommand.Append append)
    {
        var parts = _appendParts.ToList();
        _appendParts.Clear();
        var content = Services.Content;
        var writers = new List<ContentWriter>(append.Messages.Count);
        IOException? failure = null;
        for (var i = 0; i < append.Messages.Count && failure is null; i++)
        {
            var part = i < parts.Count ? parts[i] : null;
            if (part?.Error is { } error)
            {
                failure = error;
                continue;
            }
            if (part?.Writer is { } spooled)
            {
                writers.Add(spooled);
                continue;
            }
            // A literal the reader kept in memory (the adapter did not spool it): into the store now.
            try
            {
                var writer = content.BeginWrite(QueueIds.New());
                writers.Add(writer);
                if (append.Messages[i].Message.Content is { } bytes) writer.Stream.Write(bytes.Span);
            }
            catch (IOException e)
            {
                failure = e;
            }
        }
        if (failure is not null)
        {
            foreach (var writer in writers) content.Abort(writer);
            foreach (var part in parts.Skip(writers.Count)) if (part.Writer is not null) content.Abort(part.Writer);
            Log.Error("imap session={0} user={1} APPEND could not be stored: {2}", SessionId, _user, failure.Message);
            CompleteStorageFailure(failure);
            return;
        }
        var sizes = append.Messages.Select(m => m.Message.Size).ToArray();
        Task.Run(async () =>
        {
            var references = await Task.WhenAll(writers.Select(w => content.CommitAsync(w, 1)));
            return new AppendSpooled(writers.Select((w, i) => new AppendedContent(w.QueueId, references[i][0], sizes[i])).ToList(), null);
        }).PipeTo(Self, failure: e =>
        {
            // Commits that went through are released; the rest are dropped.
            foreach (var writer in writers) content.Abort(writer);
            return new AppendSpooled([], e.GetBaseException());
        });
    }

    /// <summary>RFC 5530: OVERQUOTA when the disk is full (as Dovecot answers ENOSPC), UNAVAILABLE for other storage faults.</summary>
    private void CompleteStorageFailure(Exception failure)
    {
        if (StorageErrors.IsOutOfSpace(failure)) Complete(ImapStatus.No, ImapResponseCode.OverQuota, "Not enough disk space, try again later");
        else Complete(ImapStatus.No, ImapResponseCode.Unavailable, "Message could not be stored, try again later");
    }

    private void OnAppendSpooled(AppendSpooled spooled)
    {
        if (_running is not ImapCommand.Append append) return;
        if (spooled.Error is not null)
        {
            Log.Error("imap session={0} user={1} APPEND could not be stored: {2}", SessionId, _user, spooled.Error.Message);
            CompleteStorageFailure(spooled.Error);
            return;
        }
        var messages = spooled.Messages.Select((m, i) => new AppendedMessage(m.QueueId, m.ContentRef, m.Size,
            append.Messages[i].InternalDate ?? DateTimeOffset.Now, MailboxFlags.Storable(append.Messages[i].Flags).ToList())).ToList();
        AskMailbox(new AppendMessages(_user!, Folder(append.Mailbox), messages, Self), reply =>
        {
            if (reply is MessagesAppendedToFolder appended)
            {
                HoldOwnAdded(appended.Folder, appended.Own);
                var code = appended.Uids.Count == 1
                    ? ImapResponseCode.AppendUid((uint)appended.UidValidity, (uint)appended.Uids[0])
                    : ImapResponseCode.AppendUid((uint)appended.UidValidity, appended.Uids.Select(u => (uint)u).ToList());
                Complete(ImapStatus.Ok, code, "APPEND completed");
                return;
            }
            // Not stored in the mailbox: the content references are nobody's (releasing one twice is a no-op).
            var content = Services.Content;
            var references = messages.Select(m => m.ContentRef).ToList();
            _ = Task.Run(() => { foreach (var reference in references) content.Release(reference); });
            RefusedReply(reply);
        });
    }
}
