using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using ActorMTA.Server.Mailboxes;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>
/// SEARCH against the selected folder, with ESEARCH return options (RFC 4731) and the saved result <c>$</c>
/// (RFC 5182). Messages are matched off the actor thread; the result comes back as a message.
/// </summary>
public sealed partial class ImapSession
{
    /// <param name="Numbers">What the client asked for: sequence numbers, or UIDs for the UID form.</param>
    /// <param name="Uids">The same matches as UIDs, for SAVE.</param>
    /// <param name="ModSeq">With a MODSEQ search key: the highest mod-sequence of the matches (RFC 7162 section 3.1.5).</param>
    private sealed record SearchReady(IReadOnlyList<uint> Numbers, IReadOnlyList<uint> Uids, string? Error, long? ModSeq = null);

    // The saved search result (RFC 5182), as UIDs so that expunged messages drop out; emptied when the folder is left.
    private IReadOnlyList<uint> _savedResult = [];

    private sealed record OrderReady(ImapResponse? Response, string? Error);

    private void ReceiveSearchWork()
    {
        Receive<SearchReady>(OnSearchReady);
        Receive<OrderReady>(m =>
        {
            if (m.Error is not null)
            {
                Log.Warning("imap session={0} user={1} {2} failed: {3}", SessionId, _user, _running!.Name, m.Error);
                Complete(ImapStatus.No, null, _running!.Name + " failed");
                return;
            }
            Send(m.Response!);
            Complete(ImapStatus.Ok, null, _running!.Name + " completed");
        });
    }

    private bool ExecuteSearchCommand(ImapCommand command)
    {
        switch (command)
        {
            case ImapCommand.Search { Charset: not null } when _utf8Accept:
                // RFC 6855 section 3: once UTF8=ACCEPT is enabled a SEARCH names no charset (its strings are UTF-8).
                Complete(ImapStatus.Bad, null, "No CHARSET in SEARCH after ENABLE UTF8=ACCEPT");
                return true;
            case ImapCommand.Search search:
                Search(search);
                return true;
            case ImapCommand.Sort sort:
                var headers = sort.SortBy.Any(c => c.Key is not (SortKey.Arrival or SortKey.Size));
                Order(sort.ByUid, sort.Criteria, matches => new ImapResponse.Sort(SortOrder.Sort(
                    matches.Select(m => m.Candidate.SortFields(m.Number, headers)), sort.SortBy)));
                return true;
            case ImapCommand.Thread thread:
                Order(thread.ByUid, thread.Criteria, matches => new ImapResponse.Thread(MessageThreader.Thread(thread.Algorithm,
                    matches.Select(m => m.Candidate.ThreadMessage(m.Number)).ToList())));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The messages <c>$</c> names, in sequence order: the saved UIDs still in this session's view.</summary>
    private List<(uint Sequence, MailboxMessage Message)> ResolveSavedResult()
    {
        var result = new List<(uint, MailboxMessage)>(_savedResult.Count);
        foreach (var uid in _savedResult)
        {
            var index = _selected!.IndexOf(uid);
            if (index >= 0) result.Add(((uint)index + 1, _selected.Messages[index]));
        }
        return result;
    }

    private void Search(ImapCommand.Search search)
    {
        var snapshot = _selected!.Messages.ToList();
        var recent = _selected.Recent.ToHashSet();
        var saved = _savedResult.Select(u => (long)u).ToHashSet();
        var content = Services.Content;
        var byUid = search.ByUid;
        var withModSeq = UsesModSeq(search.Criteria);
        if (withModSeq) EnableCondStore();
        Task.Run(() =>
        {
            var numbers = new List<uint>();
            var uids = new List<uint>();
            long highest = 0;
            foreach (var (sequence, message) in Match(snapshot, recent, saved, content, search.Criteria))
            {
                numbers.Add(byUid ? (uint)message.Uid : sequence);
                uids.Add((uint)message.Uid);
                highest = Math.Max(highest, message.ModSeq);
            }
            return new SearchReady(numbers, uids, null, withModSeq && numbers.Count > 0 ? highest : null);
        }).PipeTo(Self, failure: e => new SearchReady([], [], e.Message));
    }

    private static bool UsesModSeq(SearchKey key) => key switch
    {
        SearchKey.ModSeq => true,
        SearchKey.Not not => UsesModSeq(not.Key),
        SearchKey.Or or => UsesModSeq(or.Left) || UsesModSeq(or.Right),
        SearchKey.And and => and.Keys.Any(UsesModSeq),
        _ => false,
    };

    /// <summary>SORT and THREAD: the matching messages, ordered off the actor thread by <paramref name="order"/>.</summary>
    private void Order(bool byUid, SearchKey criteria, Func<List<(SearchCandidate Candidate, uint Number)>, ImapResponse> order)
    {
        var snapshot = _selected!.Messages.ToList();
        var recent = _selected.Recent.ToHashSet();
        var saved = _savedResult.Select(u => (long)u).ToHashSet();
        var content = Services.Content;
        Task.Run(() =>
        {
            var matches = Candidates(snapshot, recent, saved, content, criteria)
                .Select(m => (m.Candidate, byUid ? (uint)m.Message.Uid : m.Sequence)).ToList();
            return new OrderReady(order(matches), null);
        }).PipeTo(Self, failure: e => new OrderReady(null, e.Message));
    }

    /// <summary>The messages of <paramref name="snapshot"/> (the session's view) that match, in sequence order. Reads content: off the actor thread only.</summary>
    private static IEnumerable<(uint Sequence, MailboxMessage Message)> Match(List<MailboxMessage> snapshot, HashSet<long> recent,
        HashSet<long> saved, Storage.IContentStore content, SearchKey criteria)
    {
        foreach (var (sequence, message, _) in Candidates(snapshot, recent, saved, content, criteria)) yield return (sequence, message);
    }

    private static IEnumerable<(uint Sequence, MailboxMessage Message, SearchCandidate Candidate)> Candidates(List<MailboxMessage> snapshot,
        HashSet<long> recent, HashSet<long> saved, Storage.IContentStore content, SearchKey criteria)
    {
        var largestUid = snapshot.Count == 0 ? 0u : (uint)snapshot[^1].Uid;
        for (var i = 0; i < snapshot.Count; i++)
        {
            var candidate = new SearchCandidate((uint)(i + 1), (uint)snapshot.Count, largestUid, snapshot[i], recent.Contains(snapshot[i].Uid), content, saved);
            if (candidate.Matches(criteria)) yield return ((uint)(i + 1), snapshot[i], candidate);
        }
    }

    private void OnSearchReady(SearchReady ready)
    {
        var search = (ImapCommand.Search)_running!;
        if (ready.Error is not null)
        {
            Log.Warning("imap session={0} user={1} SEARCH failed: {2}", SessionId, _user, ready.Error);
            // RFC 5182 section 2.1: a failed SEARCH ... RETURN (SAVE) leaves the saved result empty.
            if (search.Return?.HasFlag(SearchReturn.Save) == true) _savedResult = [];
            Complete(ImapStatus.No, null, "SEARCH failed");
            return;
        }
        if (search.Return is not { } options)
        {
            Send(new ImapResponse.Search(ready.Numbers) { ModSeq = ready.ModSeq });
        }
        else
        {
            if (options.HasFlag(SearchReturn.Save)) _savedResult = SearchResults.Saved(options, ready.Uids);
            if (SearchResults.Response(search.Tag, search.ByUid, options, ready.Numbers) is { } response)
                Send(response is ImapResponse.ESearch esearch ? esearch with { ModSeq = ready.ModSeq } : response);
        }
        Complete(ImapStatus.Ok, null, search.Name + " completed");
    }
}
