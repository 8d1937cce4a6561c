namespace ActorMTA.Storage.Content;

/// <summary>
/// Dedicated threads that run the blocking fsyncs of one batch side by side. Issuing them concurrently lets the
/// filesystem journal fold many files into a few journal commits; thread-pool threads are not used because
/// blocking them in fsync would starve the actors.
/// </summary>
/// <remarks>
/// The helpers sleep on a monitor, not on a BlockingCollection: its SemaphoreSlim spins with sched_yield before it
/// blocks, and with a dozen idle helpers that spinning was the largest single cost in a profile of SMTP accept
/// (15% of the server's CPU, more than the fsyncs themselves).
/// </remarks>
internal sealed class SyncWorkerPool : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<Action> _work = new();
    private readonly Thread[] _threads;
    private bool _stopping;

    /// <param name="parallelism">Total concurrent callers, counting the thread that calls <see cref="ForEach{T}"/>.</param>
    public SyncWorkerPool(int parallelism, string name)
    {
        _threads = new Thread[Math.Max(0, parallelism - 1)];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="body"/> for every item, in parallel, and returns when all are done. body must not throw.</summary>
    public void ForEach<T>(IReadOnlyList<T> items, Action<T> body)
    {
        if (items.Count == 0)
            return;
        var next = -1;
        var helpers = Math.Min(_threads.Length, items.Count - 1);
        var pending = helpers + 1;
        var finished = new object();

        void Drain()
        {
            try
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < items.Count)
                    body(items[index]);
            }
            finally
            {
                lock (finished)
                {
                    if (--pending == 0)
                        Monitor.Pulse(finished);
                }
            }
        }

        if (helpers > 0)
        {
            lock (_gate)
            {
                for (var i = 0; i < helpers; i++)
                {
                    _work.Enqueue(Drain);
                    Monitor.Pulse(_gate);
                }
            }
        }
        Drain();
        lock (finished)
        {
            while (pending > 0)
                Monitor.Wait(finished);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var thread in _threads)
            thread.Join();
    }

    private void Run()
    {
        while (true)
        {
            Action action;
            lock (_gate)
            {
                while (_work.Count == 0 && !_stopping)
                    Monitor.Wait(_gate);
                if (_work.Count == 0)
                    return;
                action = _work.Dequeue();
            }
            action();
        }
    }
}
