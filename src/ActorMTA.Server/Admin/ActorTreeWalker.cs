using Akka.Actor;

namespace ActorMTA.Server.Admin;

/// <summary>
/// Lists a node's live actors below a path, level by level (ctl actors tree). Akka has no API for another actor's
/// children, so each level asks "<path>/*" to Identify itself; a level is complete when no new answer has come
/// for <see cref="Quiet"/>. A short-lived actor, so the answers have somewhere to go.
/// </summary>
internal sealed class ActorTreeWalker : ReceiveActor
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private readonly int _maxDepth;
    private readonly TaskCompletionSource<List<(string Path, int Depth)>> _done;
    private readonly List<(string Path, int Depth)> _found = new();
    private List<string> _current = new();
    private int _level;

    public ActorTreeWalker(string root, int maxDepth, TaskCompletionSource<List<(string, int)>> done)
    {
        _maxDepth = maxDepth;
        _done = done;
        Context.ActorSelection(root).Tell(new Identify(0));
        Context.SetReceiveTimeout(Quiet);
        Receive<ActorIdentity>(m =>
        {
            if (m.Subject is null) return;
            var path = m.Subject.Path.ToStringWithoutAddress();
            if (path.Contains("/temp/", StringComparison.Ordinal) || m.Subject.Equals(Self)) return;
            _current.Add(path);
        });
        Receive<ReceiveTimeout>(_ => NextLevel());
    }

    private void NextLevel()
    {
        _current.Sort(StringComparer.Ordinal);
        foreach (var path in _current)
        {
            // Children follow their parent in the listing.
            var index = _found.FindLastIndex(f => path.StartsWith(f.Path + "/", StringComparison.Ordinal));
            var at = index < 0 ? _found.Count : SubtreeEnd(index);
            _found.Insert(at, (path, _level));
        }
        var parents = _current;
        _current = new List<string>();
        _level++;
        if (parents.Count == 0 || _level > _maxDepth)
        {
            _done.TrySetResult(_found);
            Context.Stop(Self);
            return;
        }
        foreach (var parent in parents) Context.ActorSelection(parent + "/*").Tell(new Identify(_level));
    }

    private int SubtreeEnd(int index)
    {
        var prefix = _found[index].Path + "/";
        var end = index + 1;
        while (end < _found.Count && _found[end].Path.StartsWith(prefix, StringComparison.Ordinal)) end++;
        return end;
    }

    public static async Task<List<(string Path, int Depth)>> WalkAsync(ActorSystem system, string root, int maxDepth, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<List<(string, int)>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new ActorTreeWalker(root, maxDepth, done)));
        return await done.Task.WaitAsync(timeout * 3);
    }
}
