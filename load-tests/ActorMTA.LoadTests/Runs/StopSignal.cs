using System.Runtime.InteropServices;

namespace ActorMTA.LoadTests.Runs;

/// <summary>
/// Ctrl-C or SIGTERM once: stop handing out work, let sessions finish what they are doing, QUIT and
/// print the summary. A second Ctrl-C ends the process at once.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _sigterm;
    private int _count;

    public StopSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Request();
        });
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm.Dispose();
        _cts.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (Interlocked.Increment(ref _count) > 1) return; // the second one terminates
        e.Cancel = true;
        Request();
    }

    private void Request()
    {
        Console.Error.WriteLine("actormta-load: stopping (finishing sessions; Ctrl-C again to abort)");
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { }
    }
}
