using ActorMTA.Protocol.Imap;
using ActorMTA.Server.Imap;
using Akka.Actor;
using Akka.Event;

namespace ActorMTA.Server.Inbound;

/// <summary>SEARCH against the selected folder. Messages are matched off the actor thread; the result comes back as a message.</summary>
public sealed partial class ImapSession
{
    private sealed record SearchReady(IReadOnlyList<uint> Numbers, string? Error);

    private void ReceiveSearchWork()
    {
        Receive<SearchReady>(m =>
        {
            if (m.Error is not null)
            {
                Log.Warning("imap session={0} user={1} SEARCH failed: {2}", SessionId, _user, m.Error);
                Complete(ImapStatus.No, null, "SEARCH failed");
                return;
            }
            Send(new ImapResponse.Search(m.Numbers));
            Complete(ImapStatus.Ok, null, _running!.Name + " completed");
        });
    }

    private bool ExecuteSearchCommand(ImapCommand command)
    {
        switch (command)
        {
            case ImapCommand.Search search:
                Search(search);
                return true;
            default:
                return false;
        }
    }

    private void Search(ImapCommand.Search search)
    {
        var snapshot = _selected!.Messages.ToList();
        var recent = _selected.Recent.ToHashSet();
        var content = Services.Content;
        var byUid = search.ByUid;
        Task.Run(() =>
        {
            var numbers = new List<uint>();
            var largestUid = snapshot.Count == 0 ? 0u : (uint)snapshot[^1].Uid;
            for (var i = 0; i < snapshot.Count; i++)
            {
                var candidate = new SearchCandidate((uint)(i + 1), (uint)snapshot.Count, largestUid, snapshot[i], recent.Contains(snapshot[i].Uid), content);
                if (candidate.Matches(search.Criteria)) numbers.Add(byUid ? (uint)snapshot[i].Uid : (uint)(i + 1));
            }
            return new SearchReady(numbers, null);
        }).PipeTo(Self, failure: e => new SearchReady([], e.Message));
    }
}
