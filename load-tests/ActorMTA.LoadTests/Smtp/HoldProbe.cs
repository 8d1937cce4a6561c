using System.Text;
using ActorMTA.LoadTests.Metrics;
using ActorMTA.LoadTests.Net;

namespace ActorMTA.LoadTests.Smtp;

/// <summary>
/// During `--hold`: once a second a fresh connection (not bound to a source address) does greeting,
/// EHLO and QUIT; the whole exchange is the `probe` latency, and a failure is counted as
/// `probe CODE`. It shows whether a server holding thousands of sessions still serves a new one.
/// </summary>
internal sealed class HoldProbe(SmtpRunContext context)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var probe = context.Latency["probe"];
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var start = Clock.Now;
                try
                {
                    await ProbeOnceAsync();
                    probe.RecordSince(start);
                }
                catch (LoadException e)
                {
                    context.Errors.Add("probe " + e.Code);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task ProbeOnceAsync()
    {
        await using var connection = await LoadConnection.ConnectAsync(context.Target, null, context.Options.Common.Timeout, 2048, null, CancellationToken.None);
        Expect(await SmtpReply.ReadAsync(connection), 220);
        await connection.WriteAsync(Encoding.ASCII.GetBytes($"EHLO {context.Options.Helo}\r\n"));
        Expect(await SmtpReply.ReadAsync(connection), 250);
        await connection.WriteAsync("QUIT\r\n"u8.ToArray());
        Expect(await SmtpReply.ReadAsync(connection), 221);
    }

    private static void Expect(SmtpReply reply, int code)
    {
        if (reply.Code != code) throw new LoadException(reply.ErrorKey ?? reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
