using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Inbound;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Content;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Inbound;

/// <summary>
/// The 250-after-DATA contract of one SmtpSession over a real socket, with the sharded entities
/// replaced by probes so a test decides which enqueues are acknowledged.
/// </summary>
public sealed class DurableAcceptanceTests(ITestOutputHelper output) : ProbedEntitiesTestKit(output)
{
    private async Task<(StreamReader Reader, Stream Stream, TcpClient Client)> OpenSessionAsync(TimeSpan? acceptTimeout = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var socket = await listener.AcceptSocketAsync();
        var settings = new ListenerSettings("smtp", ListenerProtocol.Smtp, IPAddress.Loopback, 0, TlsMode.None, Submission: false, Enabled: true);
        Sys.ActorOf(SmtpSession.Props(Services(acceptTimeout: acceptTimeout), settings, socket));
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        Assert.StartsWith("220 ", await reader.ReadLineAsync());
        return (reader, stream, client);
    }

    private static async Task<string> CommandAsync(Stream stream, StreamReader reader, string line)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        string reply;
        do reply = (await reader.ReadLineAsync())!;
        while (reply.Length > 3 && reply[3] == '-');
        return reply;
    }

    private static async Task SendEnvelopeAndDataAsync(Stream stream, StreamReader reader)
    {
        Assert.StartsWith("250", await CommandAsync(stream, reader, "EHLO client.test"));
        Assert.StartsWith("250", await CommandAsync(stream, reader, "MAIL FROM:<sender@remote.test>"));
        Assert.StartsWith("250", await CommandAsync(stream, reader, "RCPT TO:<u@local.test>"));
        Assert.StartsWith("250", await CommandAsync(stream, reader, "RCPT TO:<v@local.test>"));
        Assert.StartsWith("354", await CommandAsync(stream, reader, "DATA"));
        await stream.WriteAsync("Subject: durable\r\n\r\nbody\r\n.\r\n"u8.ToArray());
    }

    [Fact]
    public async Task A_persistence_timeout_answers_451_and_tells_every_target_to_retract()
    {
        var (reader, stream, client) = await OpenSessionAsync(ShortAcceptTimeout);
        using var _ = client;
        await SendEnvelopeAndDataAsync(stream, reader);

        var first = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        var firstSender = Mailboxes.LastSender;
        var second = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        Assert.Equal(first.QueueId, second.QueueId);
        // One mailbox persisted, the other never answers: the message must not stay half-delivered.
        firstSender.Tell(new MailboxDelivered(first.Address, first.CorrelationId, 1));

        var reply = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("451 4.3.0", reply);
        var retracted = new[] { Mailboxes.ExpectMsg<RetractDelivery>(), Mailboxes.ExpectMsg<RetractDelivery>() };
        Assert.All(retracted, r => Assert.Equal(first.QueueId, r.QueueId));
        Assert.Equal(new[] { first.Address, second.Address }.Order(), retracted.Select(r => r.Address).Order());
        Queues.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The session stays usable after the failure.
        Assert.StartsWith("250", await CommandAsync(stream, reader, "NOOP"));
    }

    [Fact]
    public async Task A_journal_write_failure_answers_452_at_once_and_tells_every_target_to_retract()
    {
        var (reader, stream, client) = await OpenSessionAsync();
        using var _ = client;
        await SendEnvelopeAndDataAsync(stream, reader);

        var first = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        var firstSender = Mailboxes.LastSender;
        Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        firstSender.Tell(new JournalWriteFailed(first, "database or disk is full"));

        // Well before the 15 s accept-timeout, and as a storage failure, not a generic 451.
        var reply = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("452 4.3.1", reply);
        Mailboxes.ExpectMsg<RetractDelivery>();
        Mailboxes.ExpectMsg<RetractDelivery>();
        Assert.StartsWith("250", await CommandAsync(stream, reader, "NOOP"));
    }

    [Fact]
    public async Task Two_fifty_comes_only_after_every_enqueue_is_acknowledged()
    {
        var (reader, stream, client) = await OpenSessionAsync();
        using var _ = client;
        await SendEnvelopeAndDataAsync(stream, reader);

        var first = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        var firstSender = Mailboxes.LastSender;
        var second = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        // The content reference handed to the mailbox is already durable in the store.
        Assert.True(Content.Exists(first.ContentRef));
        Assert.True(Content.Exists(second.ContentRef));

        firstSender.Tell(new MailboxDelivered(first.Address, first.CorrelationId, 1));
        var early = reader.ReadLineAsync();
        Assert.False(await Task.WhenAny(early, Task.Delay(300)) == early, "no reply may come before the last acknowledgement");

        firstSender.Tell(new MailboxDelivered(second.Address, second.CorrelationId, 1));
        var reply = await early.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("250 2.0.0", reply);
        Assert.Contains(first.QueueId, reply);
        Mailboxes.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
