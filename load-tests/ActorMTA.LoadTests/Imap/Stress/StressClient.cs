using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.LoadTests.Metrics;

namespace ActorMTA.LoadTests.Imap.Stress;

/// <summary>
/// One stress client: random IMAP commands, several in flight at once, on the shared mailbox; every response goes
/// through its <see cref="StressViewChecker"/>, every line into a transcript kept for the violation report.
/// </summary>
internal sealed partial class StressClient(int index, IPEndPoint target, string user, string password, int depth, int seed,
    ConcurrentDictionary<string, byte[]> contents, LatencyRecorder latencies, TextWriter? fullTranscript = null)
{
    private const string Other = "StressOther";
    private static readonly string[] Keywords = ["$Work", "$Home", "$Todo", "$Later", "Stress1", "Stress2"];
    private static readonly string[] SystemFlags = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft"];

    /// <summary>Lines of the transcript (both directions) kept for a violation report.</summary>
    private const int TranscriptTail = 40;

    private readonly Random _random = new(seed);
    private readonly object _lock = new();
    private readonly StressViewChecker _checker = new(id => contents.TryGetValue(id, out var bytes) ? bytes : null);
    private readonly Queue<string> _transcript = new();
    private readonly Dictionary<string, (TaskCompletionSource<string> Done, long Started, string Name)> _waiting = new();
    private readonly List<(long Uid, HashSet<string> Flags)> _captured = [];
    private string? _captureTag;
    private TaskCompletionSource? _continuation;
    private StressConnection? _connection;
    private Task? _reading;
    private int _tag;
    private int _appended;

    public string Name => "client-" + index;
    public int Commands { get; private set; }
    public IReadOnlyList<Violation> Violations { get { lock (_lock) return [.. _checker.Violations]; } }
    /// <summary>The transcript's last lines when the first violation was seen (both directions).</summary>
    public string? FirstViolationTranscript { get; private set; }
    public IReadOnlyList<(long Uid, HashSet<string> Flags)> Fresh { get; private set; } = [];
    /// <summary>The view and flags this client knew after the quiesce NOOP.</summary>
    public (List<long> View, Dictionary<long, HashSet<string>> Flags) Known { get; private set; } = ([], new());

    /// <summary>Quiesce, second half: the view known after the NOOP against a fresh session's SELECT.</summary>
    public void CompareWithFreshSelect(IReadOnlyList<(long Uid, HashSet<string> Flags)> fresh)
    {
        lock (_lock)
        {
            var before = _checker.Violations.Count;
            _checker.CompareWithFresh(Known, fresh, "fresh-select");
            if (before == 0 && _checker.Violations.Count > 0) FirstViolationTranscript = string.Join("\n", _transcript);
        }
    }

    public async Task StartAsync()
    {
        _connection = await StressConnection.ConnectAsync(target);
        var greeting = await _connection.ReadResponseAsync();
        Record("S: " + greeting?.Text);
        _reading = Task.Run(ReadLoopAsync);
        await SendAsync($"LOGIN \"{user}\" \"{password}\"", "LOGIN");
        await SendAsync("SELECT INBOX", "SELECT");
    }

    /// <summary>Random commands until <paramref name="stop"/>; then waits for every answer.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !Broken)
        {
            await StepAsync();
            Commands++;
        }
        await DrainAsync();
    }

    private bool Broken => _reading?.IsCompleted == true;

    /// <summary>Quiesce: tell everything held (NOOP), then compare the view with a fresh FETCH of the whole folder.</summary>
    public async Task QuiesceAsync()
    {
        await SendAsync("NOOP", "NOOP");
        (List<long>, Dictionary<long, HashSet<string>>) known;
        lock (_lock) known = _checker.Snapshot();
        Known = known;
        var tag = NextTag();
        lock (_lock)
        {
            _captureTag = tag;
            _captured.Clear();
        }
        await SendTaggedAsync(tag, "UID FETCH 1:* (FLAGS)", "UID FETCH", new SentCommand(tag, "FETCH", true, "UID FETCH 1:* (FLAGS)"));
        lock (_lock)
        {
            Fresh = [.. _captured];
            _captureTag = null;
            var before = _checker.Violations.Count;
            _checker.CompareWithFresh(known, Fresh);
            if (before == 0 && _checker.Violations.Count > 0) FirstViolationTranscript = string.Join("\n", _transcript);
        }
    }

    public async Task LogoutAsync()
    {
        if (_connection is null) return;
        try
        {
            if (!Broken) await SendAsync("LOGOUT", "LOGOUT");
        }
        catch (IOException) { }
        await _connection.DisposeAsync();
        if (_reading is not null) await _reading;
        lock (_lock) fullTranscript?.Dispose();
    }

    private async Task StepAsync()
    {
        List<long> view;
        lock (_lock) view = [.. _checker.View];
        var known = view.Where(u => u != 0).ToList();
        var firstUnknown = view.IndexOf(0) + 1;
        var roll = _random.Next(100);
        // Keep the folder from growing without end: more deleting when it is big.
        if (view.Count > 120 && _random.Next(100) < 60) roll = 56 + _random.Next(11);
        // A client that does not know its uids cannot use UID commands: learn them first, half of the time.
        if (firstUnknown > 0 && _random.Next(2) == 0) roll = 12;
        var n = view.Count == 0 ? 0 : _random.Next(1, view.Count + 1);
        string into() => _random.Next(2) == 0 ? "INBOX" : Other;
        if (roll < 12)
            await AppendAsync(_random.Next(4) > 0 ? "INBOX" : Other);
        else if (roll < 18)
            await PipeAsync(firstUnknown > 0 ? $"FETCH {firstUnknown}:* (UID FLAGS)" : "FETCH 1:* (UID FLAGS)", "FETCH", byUid: false);
        else if (roll < 24 && n > 0)
            await PipeAsync($"FETCH {n}:{Math.Min(view.Count, n + 3)} ({(_random.Next(2) == 0 ? "FLAGS" : "UID FLAGS")})", "FETCH", byUid: false, highest: Math.Min(view.Count, n + 3));
        else if (roll < 29 && known.Count > 0)
            await PipeAsync($"UID FETCH {Pick(known)} {(_random.Next(2) == 0 ? "BODY[]" : "(UID FLAGS BODY.PEEK[])")}", "FETCH", byUid: true);
        else if (roll < 33 && n > 0)
            await PipeAsync($"FETCH {n} {(_random.Next(2) == 0 ? "BODY.PEEK[]" : "(FLAGS BODY[])")}", "FETCH", byUid: false, highest: n);
        else if (roll < 43 && known.Count > 0)
            await UidStoreAsync(known);
        else if (roll < 49 && n > 0)
            await StoreByNumberAsync(view.Count);
        else if (roll < 53)
            await PipeAsync(_random.Next(3) switch
            {
                0 => "SEARCH FLAGGED",
                1 => "SEARCH UNSEEN",
                _ => $"SEARCH KEYWORD {Keywords[_random.Next(Keywords.Length)]}",
            }, "SEARCH", byUid: false);
        else if (roll < 56)
            await PipeAsync(_random.Next(2) == 0 ? "UID SEARCH ALL" : $"UID SEARCH DELETED", "SEARCH", byUid: true);
        else if (roll < 61 && (known.Count > 0 || n > 0))
        {
            // The client's model applies a silent STORE itself, so it must know what was stored.
            var tag = NextTag();
            if (known.Count > 0 && _random.Next(2) == 0)
            {
                var uid = Pick(known);
                var text = $"UID STORE {uid} +FLAGS.SILENT (\\Deleted)";
                await PipeTaggedAsync(tag, text, "STORE", new SentCommand(tag, "STORE", true, text) { Store = ("+", ["\\Deleted"], [uid], true) },
                    Encoding.ASCII.GetBytes($"{tag} {text}\r\n"));
            }
            else
            {
                var text = $"STORE {n} +FLAGS.SILENT (\\Deleted)";
                await PipeTaggedAsync(tag, text, "STORE",
                    new SentCommand(tag, "STORE", false, text) { StoreByNumber = ("+", ["\\Deleted"], [n], true), Highest = n },
                    Encoding.ASCII.GetBytes($"{tag} {text}\r\n"));
            }
        }
        else if (roll < 65 || (roll < 67 && known.Count == 0))
            await PipeAsync("EXPUNGE", "EXPUNGE", byUid: false);
        else if (roll < 67)
            await PipeAsync($"UID EXPUNGE {Pick(known)}", "EXPUNGE", byUid: true);
        else if (roll < 72 && (known.Count > 0 || n > 0))
        {
            var to = into();
            if (known.Count > 0 && _random.Next(3) > 0) await PipeAsync($"UID COPY {Pick(known)} {to}", "COPY", byUid: true, intoSelected: to == "INBOX");
            else await PipeAsync($"COPY {n} {to}", "COPY", byUid: false, intoSelected: to == "INBOX", highest: n);
        }
        else if (roll < 77 && (known.Count > 0 || n > 0))
        {
            var to = into();
            if (known.Count > 0 && _random.Next(3) > 0) await PipeAsync($"UID MOVE {Pick(known)} {to}", "MOVE", byUid: true, intoSelected: to == "INBOX");
            else await PipeAsync($"MOVE {n} {to}", "MOVE", byUid: false, intoSelected: to == "INBOX", highest: n);
        }
        else if (roll < 88)
            await PipeAsync("NOOP", "NOOP", byUid: false);
        else if (roll < 95)
            await IdleAsync();
        else if (roll < 100 && roll >= 95)
        {
            await DrainAsync();
            await SendAsync("CLOSE", "CLOSE");
            await SendAsync("SELECT INBOX", "SELECT");
        }
        else
            await PipeAsync("NOOP", "NOOP", byUid: false);
    }

    private long Pick(List<long> uids) => uids[_random.Next(uids.Count)];

    private async Task AppendAsync(string mailbox)
    {
        var id = $"{Name}-{++_appended}-{_random.Next():x}";
        var bytes = StressMessage.Create(id, _random);
        contents[id] = bytes;
        var flags = _random.Next(3) == 0 ? $"({Keywords[_random.Next(Keywords.Length)]}) " : "";
        var tag = NextTag();
        var head = $"APPEND {mailbox} {flags}{{{bytes.Length}+}}";
        await PipeTaggedAsync(tag, head, "APPEND", new SentCommand(tag, "APPEND", false, head) { IntoSelected = mailbox == "INBOX" },
            [.. Encoding.ASCII.GetBytes($"{tag} {head}\r\n"), .. bytes, .. "\r\n"u8.ToArray()]);
    }

    private async Task UidStoreAsync(List<long> known)
    {
        var uids = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Pick(known)).Distinct().Order().ToArray();
        var flags = RandomFlags();
        var op = _random.Next(3) switch { 0 => "+", 1 => "-", _ => "" };
        var silent = _random.Next(3) == 0;
        var text = $"UID STORE {string.Join(',', uids)} {op}FLAGS{(silent ? ".SILENT" : "")} ({string.Join(' ', flags)})";
        var tag = NextTag();
        await PipeTaggedAsync(tag, text, "STORE", new SentCommand(tag, "STORE", true, text) { Store = (op, flags, uids, silent) },
            Encoding.ASCII.GetBytes($"{tag} {text}\r\n"));
    }

    private async Task StoreByNumberAsync(int count)
    {
        var first = _random.Next(1, count + 1);
        var numbers = Enumerable.Range(first, Math.Min(count - first + 1, _random.Next(1, 4))).ToArray();
        var flags = RandomFlags();
        var op = _random.Next(3) switch { 0 => "+", 1 => "-", _ => "" };
        var silent = _random.Next(3) == 0;
        var set = numbers.Length == 1 ? $"{first}" : $"{first}:{numbers[^1]}";
        var text = $"STORE {set} {op}FLAGS{(silent ? ".SILENT" : "")} ({string.Join(' ', flags)})";
        var tag = NextTag();
        await PipeTaggedAsync(tag, text, "STORE",
            new SentCommand(tag, "STORE", false, text) { StoreByNumber = (op, flags, numbers, silent), Highest = numbers[^1] },
            Encoding.ASCII.GetBytes($"{tag} {text}\r\n"));
    }

    private string[] RandomFlags() => Enumerable.Range(0, _random.Next(1, 3))
        .Select(_ => _random.Next(2) == 0 ? SystemFlags[_random.Next(SystemFlags.Length)] : Keywords[_random.Next(Keywords.Length)]).Distinct().ToArray();

    private async Task IdleAsync()
    {
        await DrainAsync();
        var tag = NextTag();
        var continuation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _continuation = continuation;
        var done = Register(tag, "IDLE", new SentCommand(tag, "IDLE", false, "IDLE"));
        await Write(Encoding.ASCII.GetBytes($"{tag} IDLE\r\n"), $"C: {tag} IDLE");
        if (await Task.WhenAny(continuation.Task, done, Task.Delay(10_000)) != continuation.Task) return;
        await Task.Delay(_random.Next(50, 300));
        await Write("DONE\r\n"u8.ToArray(), "C: DONE");
        await done;
    }

    /// <summary>Sends a command with up to <c>depth</c> in flight: waits for the oldest when the pipe is full.</summary>
    private async Task PipeAsync(string text, string name, bool byUid, bool intoSelected = false, int highest = 0)
    {
        var tag = NextTag();
        await PipeTaggedAsync(tag, text, name, new SentCommand(tag, name, byUid, text) { IntoSelected = intoSelected, Highest = highest },
            Encoding.ASCII.GetBytes($"{tag} {text}\r\n"));
    }

    private async Task PipeTaggedAsync(string tag, string text, string name, SentCommand command, byte[] bytes)
    {
        Task? oldest = null;
        lock (_lock)
        {
            if (_waiting.Count >= depth) oldest = _waiting.Values.OrderBy(w => w.Started).First().Done.Task;
        }
        if (oldest is not null) await Task.WhenAny(oldest, Task.Delay(30_000));
        _ = Register(tag, name, command);
        await Write(bytes, $"C: {tag} {text}");
    }

    private async Task SendAsync(string text, string name)
    {
        var tag = NextTag();
        await SendTaggedAsync(tag, text, name, new SentCommand(tag, name, text.StartsWith("UID ", StringComparison.Ordinal), text));
    }

    private async Task SendTaggedAsync(string tag, string text, string name, SentCommand command)
    {
        await DrainAsync();
        var done = Register(tag, name, command);
        await Write(Encoding.ASCII.GetBytes($"{tag} {text}\r\n"), $"C: {tag} {text}");
        await Task.WhenAny(done, Task.Delay(30_000));
    }

    private Task<string> Register(string tag, string name, SentCommand command)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiting[tag] = (done, Clock.Now, name);
            _checker.Sent(command);
        }
        return done.Task;
    }

    private async Task Write(byte[] bytes, string line)
    {
        Record(line);
        try
        {
            await _connection!.WriteAsync(bytes);
        }
        catch (IOException e)
        {
            Record("!! write failed: " + e.Message);
        }
    }

    private async Task DrainAsync()
    {
        Task[] pending;
        lock (_lock) pending = _waiting.Values.Select(w => (Task)w.Done.Task).ToArray();
        if (pending.Length > 0) await Task.WhenAny(Task.WhenAll(pending), Task.Delay(30_000));
    }

    private string NextTag() => "s" + (++_tag).ToString(CultureInfo.InvariantCulture);

    private async Task ReadLoopAsync()
    {
        while (true)
        {
            var response = await _connection!.ReadResponseAsync();
            lock (_lock)
            {
                if (response is null)
                {
                    Record("S: <closed>");
                    _checker.Closed("the server closed the connection");
                    foreach (var waiting in _waiting.Values) waiting.Done.TrySetResult("closed");
                    _waiting.Clear();
                    _continuation?.TrySetResult();
                    return;
                }
                var (text, literals) = response.Value;
                Record("S: " + (text.Length > 300 ? text[..300] + "…" : text));
                var before = _checker.Violations.Count;
                _checker.Received(text, literals);
                if (before == 0 && _checker.Violations.Count > 0) FirstViolationTranscript = string.Join("\n", _transcript);
                if (text.StartsWith('+')) _continuation?.TrySetResult();
                else if (_captureTag is not null && FetchLine().Match(text) is { Success: true } fetch)
                    _captured.Add((long.Parse(fetch.Groups[1].ValueSpan, CultureInfo.InvariantCulture),
                        fetch.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                            .Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)).ToHashSet(StringComparer.OrdinalIgnoreCase)));
                var space = text.IndexOf(' ');
                if (space > 0 && _waiting.Remove(text[..space], out var done))
                {
                    latencies[done.Name].RecordSince(done.Started);
                    done.Done.TrySetResult(text);
                }
            }
        }
    }

    private void Record(string line)
    {
        lock (_lock)
        {
            _transcript.Enqueue(line);
            fullTranscript?.WriteLine(line);
            while (_transcript.Count > TranscriptTail) _transcript.Dequeue();
        }
    }

    [GeneratedRegex(@"^\* \d+ FETCH \((?=.*\bUID (\d+))(?=.*\bFLAGS \(([^)]*)\))")]
    private static partial Regex FetchLine();
}
