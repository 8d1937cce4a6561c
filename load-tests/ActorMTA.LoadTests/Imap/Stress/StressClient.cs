using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMTA.LoadTests.Imap.Stress;

/// <summary>
/// One stress client: random IMAP commands, several in flight at once, on the shared mailbox; every response goes
/// through its <see cref="StressViewChecker"/>, every line into a transcript kept for the violation report.
/// </summary>
internal sealed partial class StressClient(int index, IPEndPoint target, string user, string password, int depth, int seed,
    ConcurrentDictionary<string, byte[]> contents)
{
    private const string Other = "StressOther";
    private static readonly string[] Keywords = ["$Work", "$Home", "$Todo", "$Later", "Stress1", "Stress2"];
    private static readonly string[] SystemFlags = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft"];

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
    public ConcurrentDictionary<string, List<double>> Latencies { get; } = new();
    public int Commands { get; private set; }
    public IReadOnlyList<Violation> Violations { get { lock (_lock) return [.. _checker.Violations]; } }
    /// <summary>The transcript's last lines when the first violation was seen (both directions).</summary>
    public string? FirstViolationTranscript { get; private set; }
    public IReadOnlyList<(long Uid, HashSet<string> Flags)> Fresh { get; private set; } = [];

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
    }

    private async Task StepAsync()
    {
        List<long> view;
        lock (_lock) view = [.. _checker.View];
        var known = view.Where(u => u != 0).ToList();
        var roll = _random.Next(100);
        // Keep the folder from growing without end: more deleting when it is big.
        if (view.Count > 150 && roll < 60) roll = 60 + _random.Next(12);
        switch (roll)
        {
            case < 14:
                await AppendAsync(_random.Next(4) > 0 ? "INBOX" : Other);
                break;
            case < 22:
                await PipeAsync($"FETCH 1:* (UID FLAGS)", "FETCH", byUid: false);
                break;
            case < 28 when view.Count > 0:
                var n = _random.Next(1, view.Count + 1);
                await PipeAsync($"FETCH {n}:{Math.Min(view.Count, n + 3)} (FLAGS)", "FETCH", byUid: false);
                break;
            case < 34 when known.Count > 0:
                await PipeAsync($"UID FETCH {Pick(known)} BODY[]", "FETCH", byUid: true);
                break;
            case < 38 when view.Count > 0:
                await PipeAsync($"FETCH {_random.Next(1, view.Count + 1)} BODY.PEEK[]", "FETCH", byUid: false);
                break;
            case < 50 when known.Count > 0:
                await UidStoreAsync(known);
                break;
            case < 54 when view.Count > 0:
                await PipeAsync($"STORE {_random.Next(1, view.Count + 1)} +FLAGS ({Keywords[_random.Next(Keywords.Length)]})", "STORE", byUid: false);
                break;
            case < 58:
                await PipeAsync(_random.Next(2) == 0 ? "SEARCH FLAGGED" : $"SEARCH KEYWORD {Keywords[_random.Next(Keywords.Length)]}", "SEARCH", byUid: false);
                break;
            case < 60:
                await PipeAsync("UID SEARCH ALL", "SEARCH", byUid: true);
                break;
            case < 66 when known.Count > 0:
                await PipeAsync($"UID STORE {Pick(known)} +FLAGS.SILENT (\\Deleted)", "STORE", byUid: true);
                break;
            case < 70:
                await PipeAsync("EXPUNGE", "EXPUNGE", byUid: false);
                break;
            case < 72 when known.Count > 0:
                await PipeAsync($"UID EXPUNGE {Pick(known)}", "EXPUNGE", byUid: true);
                break;
            case < 77 when known.Count > 0:
                var copyTo = _random.Next(2) == 0 ? "INBOX" : Other;
                await PipeAsync($"UID COPY {Pick(known)} {copyTo}", "COPY", byUid: true, intoSelected: copyTo == "INBOX");
                break;
            case < 82 when known.Count > 0:
                var moveTo = _random.Next(2) == 0 ? "INBOX" : Other;
                await PipeAsync($"UID MOVE {Pick(known)} {moveTo}", "MOVE", byUid: true, intoSelected: moveTo == "INBOX");
                break;
            case < 84 when view.Count > 0:
                await PipeAsync($"COPY {_random.Next(1, view.Count + 1)} INBOX", "COPY", byUid: false, intoSelected: true);
                break;
            case < 92:
                await PipeAsync("NOOP", "NOOP", byUid: false);
                break;
            case < 97:
                await IdleAsync();
                break;
            case < 100:
                await DrainAsync();
                await SendAsync("CLOSE", "CLOSE");
                await SendAsync("SELECT INBOX", "SELECT");
                break;
            default:
                await PipeAsync("NOOP", "NOOP", byUid: false);
                break;
        }
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
        var flags = Enumerable.Range(0, _random.Next(1, 3))
            .Select(_ => _random.Next(2) == 0 ? SystemFlags[_random.Next(SystemFlags.Length)] : Keywords[_random.Next(Keywords.Length)]).Distinct().ToArray();
        var op = _random.Next(3) switch { 0 => "+", 1 => "-", _ => "" };
        var silent = _random.Next(3) == 0;
        var text = $"UID STORE {string.Join(',', uids)} {op}FLAGS{(silent ? ".SILENT" : "")} ({string.Join(' ', flags)})";
        var tag = NextTag();
        await PipeTaggedAsync(tag, text, "STORE", new SentCommand(tag, "STORE", true, text) { Store = (op, flags, uids, silent) },
            Encoding.ASCII.GetBytes($"{tag} {text}\r\n"));
    }

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
    private async Task PipeAsync(string text, string name, bool byUid, bool intoSelected = false)
    {
        var tag = NextTag();
        await PipeTaggedAsync(tag, text, name, new SentCommand(tag, name, byUid, text) { IntoSelected = intoSelected },
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
            _waiting[tag] = (done, Stopwatch.GetTimestamp(), name);
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
                    var ms = Stopwatch.GetElapsedTime(done.Started).TotalMilliseconds;
                    Latencies.GetOrAdd(done.Name, _ => []).Add(ms);
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
            while (_transcript.Count > 60) _transcript.Dequeue();
        }
    }

    [GeneratedRegex(@"^\* \d+ FETCH \((?=.*\bUID (\d+))(?=.*\bFLAGS \(([^)]*)\))")]
    private static partial Regex FetchLine();
}
