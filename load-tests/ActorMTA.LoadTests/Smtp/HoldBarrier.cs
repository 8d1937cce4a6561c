namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// The phases of `--hold`: every session reports once when it is open (or gave up), waits for the
/// go to send, reports once when it has sent its share, and waits for the go to QUIT.
/// </summary>
internal sealed class HoldBarrier(int sessions)
{
    private readonly TaskCompletionSource _allSettled = New();
    private readonly TaskCompletionSource _allSent = New();
    private readonly TaskCompletionSource _send = New();
    private readonly TaskCompletionSource _quit = New();
    private int _settled;
    private int _opened;
    private int _sent;

    public int Opened => Volatile.Read(ref _opened);
    public Task AllSettled => sessions == 0 ? Task.CompletedTask : _allSettled.Task;
    public Task AllSent => sessions == 0 ? Task.CompletedTask : _allSent.Task;
    public Task SendGo => _send.Task;
    public Task QuitGo => _quit.Task;

    public void Settled(bool open)
    {
        if (open) Interlocked.Increment(ref _opened);
        if (Interlocked.Increment(ref _settled) == sessions) _allSettled.TrySetResult();
    }

    public void Sent()
    {
        if (Interlocked.Increment(ref _sent) == sessions) _allSent.TrySetResult();
    }

    public void StartSending() => _send.TrySetResult();
    public void StartQuitting() => _quit.TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
