using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using ActorMTA.Integration.Tests.Harness;
using MailKit.Security;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Integration.Tests;

/// <summary>
/// A 250 reply is a promise: whatever was acknowledged must survive SIGKILL of the server while
/// mail is still flowing. Duplicates (accepted but not acknowledged before the kill) are reported,
/// losses fail the test.
/// </summary>
[Collection(HeavyCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Messages = 2_000;
    private const int Senders = 50;
    private const int KillAfterAcks = 500;

    private static readonly TestUser[] Mailboxes = Enumerable.Range(1, 5).Select(i => TestUser.Local($"crash{i}")).ToArray();

    [Fact]
    public async Task Every_acknowledged_message_survives_sigkill()
    {
        await using var server = await ServerProcess.StartAsync("""
            actormta.pop3.auth-requires-tls = off
            # More senders reconnect at once than the per-address default allows.
            actormta.smtp.max-connections-per-ip = 1000
            """, Mailboxes);

        var acknowledged = new ConcurrentDictionary<int, TestUser>();
        var errors = new ConcurrentBag<string>();
        var next = 0;
        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task SendUntilFailureAsync()
        {
            try
            {
                await using var smtp = await SmtpConversation.OpenReadyAsync(server.Ports.Smtp);
                while (true)
                {
                    var n = Interlocked.Increment(ref next);
                    if (n > Messages) return;
                    var to = Mailboxes[n % Mailboxes.Length];
                    var message = Encoding.ASCII.GetBytes(
                        $"From: sender@example.org\r\nTo: {to.Address}\r\nMessage-ID: <{Token(n)}@crash.test>\r\nSubject: crash {n}\r\n\r\ntoken {Token(n)}\r\n");
                    var reply = await smtp.SendMessageAsync("sender@example.org", [to.Address], message);
                    if (reply.Code != 250)
                    {
                        errors.Add($"message {n}: {reply}");
                        return;
                    }
                    acknowledged[n] = to;
                    if (acknowledged.Count >= KillAfterAcks) enoughAcks.TrySetResult();
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
            {
                errors.Add(e.GetType().Name + ": " + e.Message);
            }
        }

        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(SendUntilFailureAsync)).ToList();
        await Task.WhenAny(enoughAcks.Task, Task.WhenAll(senders));
        var acksAtKill = acknowledged.Count;
        server.Kill();
        var stillFlowing = next < Messages;
        await Task.WhenAll(senders);
        output.WriteLine($"killed after {acksAtKill} acks (requests started: {Math.Min(next, Messages)}); {acknowledged.Count} acks in total; {errors.Count} sender errors");
        foreach (var e in errors.Take(5)) output.WriteLine("  sender error: " + e);
        Assert.True(acksAtKill >= KillAfterAcks, $"only {acksAtKill} messages were acknowledged before the senders stopped:\n{string.Join("\n", errors.Take(10))}\n{server.Output}");
        Assert.True(stillFlowing, "all messages were sent before the kill: the kill did not happen under load");

        await server.RestartAsync();

        var found = new Dictionary<int, List<string>>(); // token number -> mailboxes holding it
        foreach (var mailbox in Mailboxes)
        {
            using var pop = await MailKitClients.Pop3LoggedInAsync(server.Ports.Pop3, mailbox, SecureSocketOptions.None);
            if (pop.Count == 0) continue;
            var headers = await pop.GetMessageHeadersAsync(0, pop.Count);
            foreach (var header in headers)
            {
                var match = TokenPattern().Match(header["Message-ID"] ?? "");
                if (!match.Success) continue;
                var n = int.Parse(match.Groups[1].Value);
                if (!found.TryGetValue(n, out var holders)) found[n] = holders = [];
                holders.Add(mailbox.Address);
            }
            await pop.DisconnectAsync(quit: true);
        }

        var lost = acknowledged.Where(a => !found.TryGetValue(a.Key, out var holders) || !holders.Contains(a.Value.Address))
            .Select(a => a.Key).Order().ToList();
        var duplicates = found.Where(f => f.Value.Count > 1).ToList();
        var unacknowledgedButStored = found.Keys.Count(n => !acknowledged.ContainsKey(n));
        output.WriteLine($"after restart: {found.Count} distinct messages stored, {duplicates.Count} duplicated, " +
                         $"{unacknowledgedButStored} stored without an ack (in flight at the kill), {lost.Count} acknowledged but lost");
        foreach (var d in duplicates.Take(10)) output.WriteLine($"  duplicate: message {d.Key} stored {d.Value.Count} times");
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages were lost, e.g. {string.Join(", ", lost.Take(20))}");
    }

    private static string Token(int n) => $"crash-{n}";

    [GeneratedRegex(@"crash-(\d+)@crash\.test")]
    private static partial Regex TokenPattern();
}
