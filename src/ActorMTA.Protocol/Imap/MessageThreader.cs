namespace ActorMTA.Protocol.Imap;

/// <summary>The THREAD algorithms of RFC 5256 section 3: ORDEREDSUBJECT and REFERENCES.</summary>
public static class MessageThreader
{
    public static IReadOnlyList<ThreadNode> Thread(ThreadAlgorithm algorithm, IReadOnlyList<ThreadMessage> messages) =>
        algorithm == ThreadAlgorithm.OrderedSubject ? OrderedSubject(messages) : References(messages);

    private static int ByDate(ThreadMessage a, ThreadMessage b)
    {
        var order = a.Date.UtcDateTime.CompareTo(b.Date.UtcDateTime);
        return order != 0 ? order : a.Sequence.CompareTo(b.Sequence);
    }

    /// <summary>
    /// ORDEREDSUBJECT: messages with the same base subject form a thread whose first (earliest) message is the parent of
    /// all the others, in date order; threads are in the order of their first message's date.
    /// </summary>
    public static IReadOnlyList<ThreadNode> OrderedSubject(IReadOnlyList<ThreadMessage> messages)
    {
        var sorted = messages.ToList();
        sorted.Sort((a, b) =>
        {
            var order = SortOrder.AsciiCaseMap(a.BaseSubject, b.BaseSubject);
            return order != 0 ? order : ByDate(a, b);
        });
        var threads = new List<(ThreadMessage First, List<ThreadMessage> Followers)>();
        foreach (var message in sorted)
        {
            if (threads.Count > 0 && SortOrder.AsciiCaseMap(threads[^1].First.BaseSubject, message.BaseSubject) == 0) threads[^1].Followers.Add(message);
            else threads.Add((message, []));
        }
        threads.Sort((a, b) => ByDate(a.First, b.First));
        return threads.Select(t => new ThreadNode(t.First.Number, t.Followers.Select(m => ThreadNode.Leaf(m.Number)).ToList())).ToList();
    }

    private sealed class Container
    {
        public ThreadMessage? Message;
        public Container? Parent;
        public readonly List<Container> Children = [];

        public bool IsDummy => Message is null;

        /// <summary>Whether this is above <paramref name="other"/> in the tree: walks up from it, so no recursion however deep.</summary>
        public bool IsAncestorOf(Container other)
        {
            if (Children.Count == 0) return false;
            for (var up = other.Parent; up is not null; up = up.Parent)
            {
                if (up == this) return true;
            }
            return false;
        }

        public void SetParent(Container? parent)
        {
            Parent?.Children.Remove(this);
            Parent = parent;
            parent?.Children.Add(this);
        }

        /// <summary>The message a container sorts by: its own, or for a placeholder its first child's (children sorted first).</summary>
        public ThreadMessage? First
        {
            get
            {
                var container = this;
                while (container.Message is null && container.Children.Count > 0) container = container.Children[0];
                return container.Message;
            }
        }
    }

    /// <summary>REFERENCES (RFC 5256 section 3, after Jamie Zawinski's algorithm).</summary>
    public static IReadOnlyList<ThreadNode> References(IReadOnlyList<ThreadMessage> messages)
    {
        // (1) Link messages by their references.
        var byId = new Dictionary<string, Container>(StringComparer.Ordinal);
        var all = new List<Container>();
        Container Get(string id)
        {
            if (!byId.TryGetValue(id, out var container))
            {
                byId[id] = container = new Container();
                all.Add(container);
            }
            return container;
        }
        foreach (var message in messages.OrderBy(m => m.Sequence))
        {
            // (A) Each reference is the parent of the next, unless already linked or that would make a loop.
            Container? previous = null;
            foreach (var id in message.References)
            {
                var container = Get(id);
                if (previous is not null && container.Parent is null && container != previous && !container.IsAncestorOf(previous))
                    container.SetParent(previous);
                previous = container;
            }
            // (B) The message's own container; a duplicate or missing Message-ID gets a container of its own.
            Container own;
            if (message.MessageId is { } messageId && (!byId.TryGetValue(messageId, out var existing) || existing.Message is null))
            {
                own = Get(messageId);
            }
            else
            {
                own = new Container();
                all.Add(own);
            }
            own.Message = message;
            // (C) Its parent is the last reference (none without references), unless that makes a loop.
            var parent = message.References.Count == 0 ? null : byId[message.References[^1]];
            if (parent == own || (parent is not null && own.IsAncestorOf(parent))) parent = null;
            own.SetParent(parent);
        }

        // (2) The root set; (3) the id table is no longer needed.
        var roots = all.Where(c => c.Parent is null).ToList();

        // (4) Prune placeholders.
        roots = Prune(roots);
        SortSiblings(roots);

        // (5) Gather threads of the same base subject.
        string SubjectOf(Container c) => c.Message?.BaseSubject ?? c.Children[0].Message?.BaseSubject ?? "";
        var table = new Dictionary<string, Container>(StringComparer.OrdinalIgnoreCase);
        foreach (var root in roots)
        {
            var subject = SubjectOf(root);
            if (subject.Length == 0) continue;
            if (!table.TryGetValue(subject, out var old)
                || (root.IsDummy && !old.IsDummy)
                || (!old.IsDummy && old.Message!.IsReplyOrForward && root.Message is { IsReplyOrForward: false }))
                table[subject] = root;
        }
        // Merging leaves the root list intact and records what left it or was wrapped in a new placeholder.
        var removed = new HashSet<Container>();
        var wrapped = new Dictionary<Container, Container>();
        foreach (var root in roots)
        {
            if (removed.Contains(root)) continue;
            var subject = SubjectOf(root);
            if (subject.Length == 0) continue;
            var that = table[subject];
            if (that == root) continue;
            if (that.IsDummy && root.IsDummy)
            {
                foreach (var child in root.Children.ToList()) child.SetParent(that);
                removed.Add(root);
            }
            else if (that.IsDummy)
            {
                root.SetParent(that);
                removed.Add(root);
            }
            else if (root.IsDummy)
            {
                that.SetParent(root);
                removed.Add(that);
                table[subject] = root;
            }
            else if (!that.Message!.IsReplyOrForward && root.Message!.IsReplyOrForward)
            {
                root.SetParent(that);
                removed.Add(root);
            }
            else
            {
                var dummy = new Container();
                wrapped[that] = dummy;
                that.SetParent(dummy);
                root.SetParent(dummy);
                removed.Add(root);
                table[subject] = dummy;
            }
        }
        roots = roots.Where(r => !removed.Contains(r)).Select(r => wrapped.GetValueOrDefault(r, r)).ToList();

        // (6) Siblings in date order.
        SortSiblings(roots);
        return ToNodes(roots);
    }

    // Threads can be as deep as a client makes them (one References: line can hold thousands of ids), so the tree is
    // walked with an explicit stack, never by recursion.

    /// <summary>Every container under <paramref name="roots"/>, children before their parent.</summary>
    private static List<Container> PostOrder(List<Container> roots)
    {
        var order = new List<Container>();
        var stack = new Stack<Container>(roots);
        while (stack.TryPop(out var container))
        {
            order.Add(container);
            foreach (var child in container.Children) stack.Push(child);
        }
        order.Reverse();
        return order;
    }

    /// <summary>
    /// Step 4: a placeholder without children goes; one with children is replaced by them, except at the top where it
    /// stays when it has more than one.
    /// </summary>
    private static List<Container> Prune(List<Container> roots)
    {
        foreach (var container in PostOrder(roots))
        {
            var children = Promote(container.Children, keepBranching: false);
            container.Children.Clear();
            container.Children.AddRange(children);
            foreach (var child in children) child.Parent = container;
        }
        var top = Promote(roots, keepBranching: true);
        foreach (var root in top) root.Parent = null;
        return top;
    }

    private static List<Container> Promote(List<Container> siblings, bool keepBranching)
    {
        var result = new List<Container>(siblings.Count);
        foreach (var container in siblings)
        {
            if (!container.IsDummy || (keepBranching && container.Children.Count > 1)) result.Add(container);
            else result.AddRange(container.Children);
        }
        return result;
    }

    /// <summary>Siblings by date, a placeholder by the date of its first child, which is why children are sorted first.</summary>
    private static void SortSiblings(List<Container> roots)
    {
        foreach (var container in PostOrder(roots)) container.Children.Sort(CompareFirst);
        roots.Sort(CompareFirst);
    }

    private static int CompareFirst(Container a, Container b)
    {
        var x = a.First;
        var y = b.First;
        if (x is null || y is null) return 0;
        return ByDate(x, y);
    }

    private static List<ThreadNode> ToNodes(List<Container> roots)
    {
        var nodes = new Dictionary<Container, ThreadNode>();
        foreach (var container in PostOrder(roots))
            nodes[container] = new ThreadNode(container.Message?.Number, container.Children.Select(c => nodes[c]).ToList());
        return roots.Select(r => nodes[r]).ToList();
    }
}
