using ActorMTA.Server.Checks.Rspamd;
using ActorMTA.Storage;
using Akka.Event;

namespace ActorMTA.Server.Checks;

/// <summary>
/// Teaches Rspamd from what users do over IMAP: a message moved (or copied) into Junk is spam, one moved out of it ham.
/// Runs off the session's thread, one message after the other, and never holds up the IMAP reply; a failure is logged
/// and counted, nothing more (learning is advice, not mail).
/// </summary>
public sealed class SpamLearner(RspamdClient rspamd, IContentStore content, ILoggingAdapter log, SpamCounters counters)
{
    /// <summary>More at once is a bulk clean-up, not a judgement about each message; the rest are not learned.</summary>
    public const int MaxPerCommand = 50;

    public void Learn(IReadOnlyList<(string QueueId, string ContentRef)> messages, bool spam, string sessionId) =>
        _ = Task.Run(() => LearnAsync(messages.Take(MaxPerCommand).ToList(), spam, sessionId));

    private async Task LearnAsync(IReadOnlyList<(string QueueId, string ContentRef)> messages, bool spam, string sessionId)
    {
        var kind = spam ? "spam" : "ham";
        foreach (var (queueId, reference) in messages)
        {
            try
            {
                await using var stream = content.OpenRead(reference);
                var result = await rspamd.LearnAsync(stream, spam, CancellationToken.None).ConfigureAwait(false);
                counters.Increment($"learn.{kind}.{(result.Succeeded ? "ok" : "failed")}");
                log.Info("imap session={0} queue-id={1} learn {2}: {3}", sessionId, queueId, kind, result.Succeeded ? "ok" : result.Reason);
            }
            catch (Exception e) when (e is IOException or FileNotFoundException or InvalidOperationException or UnauthorizedAccessException)
            {
                counters.Increment($"learn.{kind}.failed");
                log.Warning("imap session={0} queue-id={1} learn {2} failed: {3}", sessionId, queueId, kind, e.Message);
            }
        }
    }
}
