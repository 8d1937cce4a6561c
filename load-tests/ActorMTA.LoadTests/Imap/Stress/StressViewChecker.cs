using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.LoadTests.Imap.Stress;

/// <summary>What a stress client sent: the checker needs the kind of every command in flight.</summary>
internal sealed record SentCommand(string Tag, string Name, bool ByUid, string Text)
{
    /// <summary>For UID STORE: the operation (+, -, or empty for replace), the flags and the target uids.</summary>
    public (string Op, string[] Flags, long[] Uids, bool Silent)? Store { get; init; }

    /// <summary>
    /// For STORE by sequence number: the same, with the target sequence numbers. They are read in the view the command
    /// runs in, which is the view after every earlier response (no EXPUNGE may come during a STORE).
    /// </summary>
    public (string Op, string[] Flags, int[] Numbers, bool Silent)? StoreByNumber { get; init; }

    /// <summary>For APPEND/COPY/MOVE: whether the target is the selected mailbox.</summary>
    public bool IntoSelected { get; init; }

    /// <summary>
    /// For commands by sequence number: the highest number named. Earlier pipelined commands may tell expunges that
    /// leave it outside the view by the time this one runs; a server may then refuse it (Dovecot answers BAD).
    /// </summary>
    public int Highest { get; init; }
}

/// <summary>A broken rule, with the line that broke it.</summary>
internal sealed record Violation(string Rule, string Detail);

/// <summary>
/// One client's model of its IMAP view (sequence ↔ uid, flags) and the rules every response must keep, checked as
/// responses arrive (RFC 3501 sections 5.2, 5.5, 7.4.1; RFC 7162-free IMAP4rev1):
/// no EXPUNGE while no command is in progress (outside IDLE) or while responding to FETCH, STORE or SEARCH by number;
/// nothing untagged when no command is in flight; EXISTS never below the view's count; FETCH numbers and uids
/// consistent with the view; the client's own APPEND/COPY/MOVE into the selected mailbox in the view by its tagged
/// OK; own STORE results as stored; BODY[] byte-exact; no NO or BAD. Pure: transcript in, violations out.
/// </summary>
internal sealed partial class StressViewChecker(Func<string, byte[]?> lookupContent)
{
    /// <summary>Uids in sequence order; 0 = a message the client knows exists but not yet its uid.</summary>
    private readonly List<long> _view = [];
    private readonly Dictionary<long, HashSet<string>> _flags = new();
    private readonly List<SentCommand> _inFlight = [];
    private readonly List<Violation> _violations = [];
    // STORE results that did not match: a violation unless the message turns out to be expunged already (another
    // session's change to it is then told instead of a STORE result, which is allowed).
    private readonly Dictionary<long, string> _suspectStores = new();
    // COPYUID of the MOVE in progress: RFC 6851 sends it untagged, before the source's EXPUNGEs.
    private readonly List<long> _movedUids = [];
    // Targets of the silent STORE in progress that the server told flags for meanwhile: that FETCH is the newest state.
    private readonly HashSet<long> _toldDuringSilentStore = [];
    private bool _selected;

    public IReadOnlyList<Violation> Violations => _violations;
    public IReadOnlyList<long> View => _view;
    public int InFlight => _inFlight.Count;
    public bool Idling => _inFlight.Count > 0 && _inFlight[0].Name == "IDLE";

    public IReadOnlySet<string>? FlagsOf(long uid) => _flags.TryGetValue(uid, out var f) ? f : null;

    public void Sent(SentCommand command)
    {
        if (command.Name is "SELECT" or "EXAMINE")
        {
            _view.Clear();
            _flags.Clear();
            _selected = true;
        }
        _inFlight.Add(command);
    }

    /// <summary>One response (literals replaced by {n}, their bytes in <paramref name="literals"/>).</summary>
    public void Received(string text, IReadOnlyList<byte[]> literals)
    {
        if (text.StartsWith("+ ", StringComparison.Ordinal) || text == "+")
        {
            if (_inFlight.Count == 0 || _inFlight[0].Name != "IDLE") Fail("unexpected-continuation", text);
            return;
        }
        if (!text.StartsWith("* ", StringComparison.Ordinal))
        {
            Tagged(text);
            return;
        }
        var current = _inFlight.Count > 0 ? _inFlight[0] : null;
        if (current is null && !text.StartsWith("* BYE", StringComparison.Ordinal))
        {
            Fail("untagged-without-command", text);
        }
        if (text.StartsWith("* OK [ALERT]") || text.Contains("SERVERBUG")) Fail("server-error", text);
        if (ExpungeLine().Match(text) is { Success: true } expunge)
        {
            if (current is not null && !current.ByUid && current.Name is "FETCH" or "STORE" or "SEARCH")
                Fail("expunge-during-" + current.Name.ToLowerInvariant(), text);
            var n = int.Parse(expunge.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (n < 1 || n > _view.Count) { Fail("expunge-out-of-range", $"{text} with {_view.Count} in view"); return; }
            _flags.Remove(_view[n - 1]);
            _suspectStores.Remove(_view[n - 1]);
            _view.RemoveAt(n - 1);
            return;
        }
        if (ExistsLine().Match(text) is { Success: true } exists)
        {
            var n = int.Parse(exists.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (n < _view.Count && current?.Name is not ("SELECT" or "EXAMINE")) { Fail("exists-decreased", $"{text} with {_view.Count} in view"); return; }
            if (current?.Name is "SELECT" or "EXAMINE" && n < _view.Count) _view.Clear();
            while (_view.Count < n) _view.Add(0);
            return;
        }
        if (FetchLine().Match(text) is { Success: true } fetch)
        {
            Fetch(int.Parse(fetch.Groups[1].ValueSpan, CultureInfo.InvariantCulture), text, literals, current);
            return;
        }
        if (current?.Name == "MOVE" && CopyUid().Match(text) is { Success: true } moved)
        {
            _movedUids.AddRange(ParseSet(moved.Groups[1].Value));
            return;
        }
        if (text.StartsWith("* SEARCH", StringComparison.Ordinal) && current is not null)
        {
            foreach (var word in text[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!long.TryParse(word, out var n)) continue;
                if (!current.ByUid && (n < 1 || n > _view.Count)) Fail("search-out-of-range", $"{text} with {_view.Count} in view");
                // UID SEARCH answers from this session's view: a uid it cannot hold is another session's message.
                if (current.ByUid && !CouldHold(n)) Fail("search-uid-not-in-view", $"{text}: uid {n} not in the view of {_view.Count}");
            }
        }
    }

    private void Fetch(int n, string text, IReadOnlyList<byte[]> literals, SentCommand? current)
    {
        if (n < 1 || n > _view.Count) { Fail("fetch-out-of-range", $"{text} with {_view.Count} in view"); return; }
        long uid = _view[n - 1];
        if (UidItem().Match(text) is { Success: true } uidMatch)
        {
            var told = long.Parse(uidMatch.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (uid != 0 && uid != told) { Fail("uid-changed", $"{text}: sequence {n} was uid {uid}"); return; }
            if (uid == 0)
            {
                var before = _view.Take(n - 1).Where(u => u != 0).DefaultIfEmpty(0).Max();
                var after = _view.Skip(n).Where(u => u != 0).DefaultIfEmpty(long.MaxValue).Min();
                if (told <= before || told >= after) { Fail("uid-order", $"{text}: between uids {before} and {after}"); return; }
                _view[n - 1] = uid = told;
            }
        }
        if (FlagsItem().Match(text) is { Success: true } flagsMatch && uid != 0)
        {
            var flags = flagsMatch.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            _flags[uid] = flags;
            if (current?.Store is { Silent: false } store && store.Uids.Contains(uid))
            {
                var ok = StoreKept(store.Op, store.Flags, flags);
                if (!ok) _suspectStores.TryAdd(uid, $"{text} after {current.Text}");
            }
            if ((current?.Store is { Silent: true } silentStore && silentStore.Uids.Contains(uid)) ||
                (current?.StoreByNumber is { Silent: true } silentByNumber && silentByNumber.Numbers.Contains(n)))
                _toldDuringSilentStore.Add(uid);
            if (current?.StoreByNumber is { Silent: false } byNumber && byNumber.Numbers.Contains(n) && !StoreKept(byNumber.Op, byNumber.Flags, flags))
                _suspectStores.TryAdd(uid, $"{text} after {current.Text}");
        }
        if (text.Contains("BODY[] {", StringComparison.Ordinal) && literals.Count > 0)
        {
            var body = literals[^1];
            var id = StressMessage.IdOf(body);
            var expected = id is null ? null : lookupContent(id);
            if (expected is null) Fail("body-unknown", $"{text}: no X-Stress-Id known in {Math.Min(body.Length, 80)} bytes");
            else if (!expected.AsSpan().SequenceEqual(body)) Fail("body-differs", $"{text}: {id} has {body.Length} bytes, appended {expected.Length}");
        }
    }

    private static bool StoreKept(string op, string[] stored, HashSet<string> flags) => op switch
    {
        "+" => stored.All(flags.Contains),
        "-" => !stored.Any(flags.Contains),
        _ => flags.SetEquals(stored),
    };

    private void Tagged(string text)
    {
        var space = text.IndexOf(' ');
        var tag = space < 0 ? text : text[..space];
        var index = _inFlight.FindIndex(c => c.Tag == tag);
        if (index < 0) { Fail("unknown-tag", text); return; }
        if (index > 0) Fail("out-of-order", $"{text} before {_inFlight[0].Tag}");
        var command = _inFlight[index];
        _inFlight.RemoveAt(index);
        var status = text[(space + 1)..].Split(' ', 2)[0];
        using var toldCleared = new ClearOnDispose(_toldDuringSilentStore);
        var moved = command.Name == "MOVE" ? _movedUids.ToList() : [];
        if (command.Name == "MOVE") _movedUids.Clear();
        if (status != "OK" && !command.ByUid && command.Highest > _view.Count) return;
        if (status != "OK")
        {
            // Every command the clients send is well formed and valid in its state: BAD or NO is the server's fault.
            var rule = text.Contains("[SERVERBUG]", StringComparison.Ordinal) ? "serverbug" : status == "BAD" ? "bad" : "no";
            Fail(rule, $"{text} for {command.Text}");
            return;
        }
        if (command.StoreByNumber is { Silent: true } silentByNumber)
        {
            foreach (var n in silentByNumber.Numbers)
                if (n >= 1 && n <= _view.Count && _view[n - 1] != 0) ApplySilent(_view[n - 1], silentByNumber.Op, silentByNumber.Flags);
        }
        if (command.Store is { Silent: true } silent)
        {
            // No FETCH comes back: the client knows the result by itself.
            foreach (var uid in silent.Uids) ApplySilent(uid, silent.Op, silent.Flags);
        }
        if (command.Name is "CLOSE" or "UNSELECT")
        {
            _view.Clear();
            _flags.Clear();
            _selected = false;
            return;
        }
        if (!command.IntoSelected || !_selected) return;
        IEnumerable<long> added = [];
        if (AppendUid().Match(text) is { Success: true } append) added = [long.Parse(append.Groups[1].ValueSpan, CultureInfo.InvariantCulture)];
        else if (CopyUid().Match(text) is { Success: true } copy) added = ParseSet(copy.Groups[1].Value);
        else if (moved.Count > 0) added = moved;
        foreach (var uid in added)
            if (!CouldHold(uid)) Fail("own-add-not-in-view", $"{text}: uid {uid} not in the view of {_view.Count} by the tagged OK");
    }

    private void ApplySilent(long uid, string op, string[] stored)
    {
        if (_toldDuringSilentStore.Contains(uid) || !_flags.TryGetValue(uid, out var flags)) return;
        if (op == "+") flags.UnionWith(stored);
        else if (op == "-") flags.ExceptWith(stored);
        else _flags[uid] = new HashSet<string>(stored, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Whether <paramref name="uid"/> is in the view, or could be one of its messages whose uid is not known yet.</summary>
    private bool CouldHold(long uid)
    {
        long before = 0;
        for (var i = 0; i < _view.Count; i++)
        {
            var u = _view[i];
            if (u == uid) return true;
            if (u == 0)
            {
                var after = _view.Skip(i + 1).Where(x => x != 0).DefaultIfEmpty(long.MaxValue).Min();
                if (uid > before && uid < after) return true;
            }
            else before = u;
        }
        return false;
    }

    public static IEnumerable<long> ParseSet(string set)
    {
        foreach (var part in set.Split(','))
        {
            var range = part.Split(':');
            var from = long.Parse(range[0], CultureInfo.InvariantCulture);
            var to = range.Length > 1 ? long.Parse(range[1], CultureInfo.InvariantCulture) : from;
            for (var u = Math.Min(from, to); u <= Math.Max(from, to); u++) yield return u;
        }
    }

    /// <summary>The connection ended while the client still expected answers.</summary>
    public void Closed(string reason)
    {
        if (_inFlight.Count > 0 && _inFlight[0].Name != "LOGOUT") Fail("connection-dropped", reason);
    }

    /// <summary>The view and flags as the client knows them now (0 = uid not known yet).</summary>
    public (List<long> View, Dictionary<long, HashSet<string>> Flags) Snapshot() =>
        ([.. _view], _flags.ToDictionary(f => f.Key, f => new HashSet<string>(f.Value, StringComparer.OrdinalIgnoreCase)));

    /// <summary>
    /// Quiesce check: the view the client had after every change was told (<paramref name="known"/>), against a fresh
    /// "UID FETCH 1:* (FLAGS)" in the same session, or a new session's SELECT and fetch: same messages in the same
    /// order, same flags.
    /// </summary>
    public void CompareWithFresh((List<long> View, Dictionary<long, HashSet<string>> Flags) known, IReadOnlyList<(long Uid, HashSet<string> Flags)> fresh,
        string against = "fresh-fetch")
    {
        // A suspect STORE is a violation only if its message still exists: one expunged meanwhile (by another session,
        // or by this session's CLOSE) may have been told with another session's flags instead.
        foreach (var (uid, detail) in _suspectStores)
            if (fresh.Any(f => f.Uid == uid)) Fail("store-result", detail);
        _suspectStores.Clear();
        var sameOrder = known.View.Count == fresh.Count && known.View.Zip(fresh).All(p => p.First == 0 || p.First == p.Second.Uid);
        if (!sameOrder)
        {
            Fail("view-differs", $"view [{string.Join(',', known.View)}] {against} [{string.Join(',', fresh.Select(f => f.Uid))}]");
            return;
        }
        foreach (var (uid, flags) in fresh)
            if (known.Flags.TryGetValue(uid, out var told) && !told.SetEquals(flags))
                Fail("flags-differ", $"uid {uid}: told ({string.Join(' ', told)}) {against} ({string.Join(' ', flags)})");
    }

    private void Fail(string rule, string detail) => _violations.Add(new Violation(rule, detail));

    [GeneratedRegex(@"^\* (\d+) EXPUNGE$")]
    private static partial Regex ExpungeLine();

    [GeneratedRegex(@"^\* (\d+) EXISTS$")]
    private static partial Regex ExistsLine();

    [GeneratedRegex(@"^\* (\d+) FETCH \(")]
    private static partial Regex FetchLine();

    [GeneratedRegex(@"\bUID (\d+)")]
    private static partial Regex UidItem();

    [GeneratedRegex(@"\bFLAGS \(([^)]*)\)")]
    private static partial Regex FlagsItem();

    [GeneratedRegex(@"\[APPENDUID \d+ (\d+)\]")]
    private static partial Regex AppendUid();

    [GeneratedRegex(@"\[COPYUID \d+ [\d:,]+ ([\d:,]+)\]")]
    private static partial Regex CopyUid();
}

/// <summary>Empties a per-command set however the tagged reply is handled.</summary>
internal readonly struct ClearOnDispose(HashSet<long> set) : IDisposable
{
    public void Dispose() => set.Clear();
}

/// <summary>The stress messages: unique by an X-Stress-Id header, so a fetched body can be compared byte for byte.</summary>
internal static class StressMessage
{
    public static byte[] Create(string id, Random random)
    {
        var body = new StringBuilder();
        var lines = random.Next(1, 40);
        for (var i = 0; i < lines; i++) body.Append(new string((char)('a' + random.Next(26)), random.Next(1, 76))).Append("\r\n");
        return Encoding.ASCII.GetBytes($"X-Stress-Id: {id}\r\nFrom: stress@example.org\r\nTo: u@example.org\r\nSubject: {id}\r\n\r\n{body}");
    }

    public static string? IdOf(byte[] message)
    {
        var head = Encoding.ASCII.GetString(message, 0, Math.Min(message.Length, 200));
        if (!head.StartsWith("X-Stress-Id: ", StringComparison.Ordinal)) return null;
        var end = head.IndexOf('\r');
        return end < 0 ? null : head[13..end];
    }
}
