using System.Collections.Concurrent;

namespace ActorMTA.Storage.Content;

/// <summary>
/// Dedicated threads that run the blocking fsyncs of one batch side by side. Issuing them concurrently lets the
/// filesystem journal fold many files into a few journal commits; thread-pool threads are not used because
/// blocking them in fsync would starve the actors.
/// </summary>
internal sealed class SyncWorkerPool : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread[] _threads;

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
        using var done = new CountdownEvent(helpers + 1);

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
                done.Signal();
            }
        }

        for (var i = 0; i < helpers; i++)
            _work.Add(Drain);
        Drain();
        done.Wait();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var thread in _threads)
            thread.Join();
        _work.Dispose();
    }

    private void Run()
    {
        foreach (var action in _work.GetConsumingEnumerable())
            action();
    }
}
