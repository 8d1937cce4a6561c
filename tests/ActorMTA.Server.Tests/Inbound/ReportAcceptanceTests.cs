using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Server.Delivery.Bounces;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Inbound;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Observability.Events;
using ActorMTA.Server.Routing;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Inbound;

/// <summary>
/// A report at a report address over a real socket, with the event log and the mailboxes replaced by probes: the 250
/// waits for the log to confirm the report's events; a log that never confirms gives 451 4.3.0; a report nothing can
/// read, or any report with the event log off, goes to the postmaster's mailbox.
/// </summary>
public sealed class ReportAcceptanceTests : ProbedEntitiesTestKit
{
    private const string Verp = "bounces+01JQUEUE01=bob=remote.test@local.test";
    private readonly TestProbe _log;

    public ReportAcceptanceTests(ITestOutputHelper output) : base(output)
    {
        _log = CreateTestProbe();
    }

    private InboundServices ReportServices(bool events, TimeSpan? acceptTimeout = null)
    {
        var reports = new ReportAddresses(
            BounceRulesSettings.FromConfig(ConfigurationFactory.ParseString("actormta.bounces { verp = on, feedback-addresses = [\"fbl@local.test\"] }")),
            () => Accounts.Current.PrimaryDomain);
        if (events) DeliveryEvents.Get(Sys).Start(_log.Ref, "test-node", null);
        return Services(acceptTimeout: acceptTimeout) with
        {
            Router = new RecipientRouter(() => Accounts.Current) { Reports = reports },
            Events = events ? DeliveryEvents.Get(Sys) : null,
        };
    }

    private async Task<(StreamReader Reader, Stream Stream, TcpClient Client)> OpenSessionAsync(InboundServices services)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var socket = await listener.AcceptSocketAsync();
        var settings = new ListenerSettings("smtp", ListenerProtocol.Smtp, IPAddress.Loopback, 0, TlsMode.None, Submission: false, Enabled: true);
        Sys.ActorOf(SmtpSession.Props(services, settings, socket));
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

    private static async Task SendAsync(Stream stream, StreamReader reader, string to, string message)
    {
        Assert.StartsWith("250", await CommandAsync(stream, reader, "EHLO mx.remote.test"));
        Assert.StartsWith("250", await CommandAsync(stream, reader, "MAIL FROM:<>"));
        Assert.StartsWith("250", await CommandAsync(stream, reader, $"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await CommandAsync(stream, reader, "DATA"));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(message.ReplaceLineEndings("\r\n") + "\r\n.\r\n"));
    }

    private const string Dsn = """
        From: MAILER-DAEMON@remote.test
        To: bounces+01JQUEUE01=bob=remote.test@local.test
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"

        --b
        Content-Type: text/plain

        failed
        --b
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.remote.test

        Final-Recipient: rfc822; bob@remote.test
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: smtp; 550 5.1.1 user unknown
        --b--
        """;

    [Fact]
    public async Task The_250_waits_until_the_log_confirms_the_reports_events()
    {
        var (reader, stream, client) = await OpenSessionAsync(ReportServices(events: true));
        using var _ = client;
        await SendAsync(stream, reader, Verp, Dsn);

        var append = _log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(10));
        Assert.StartsWith(ReportEvents.ProducerPrefix, append.Producer);
        var entry = Assert.Single(append.Entries);
        Assert.Equal(1, entry.Sequence);
        var e = DeliveryEvent.FromJsonLine(Assert.Single(entry.Lines))!;
        Assert.Equal(DeliveryEventType.Bounce, e.Type);
        Assert.Equal("01JQUEUE01", e.QueueId);
        Assert.Equal("bob@remote.test", e.Recipient);
        Assert.Equal("test-node", e.Node);
        // Not yet durable: no answer.
        await Task.Delay(300);
        Assert.Equal(0, client.Available);
        Mailboxes.ExpectNoMsg(TimeSpan.Zero);

        _log.Reply(new EventsWritten(append.Producer!, 1));
        var reply = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("250 ", reply);
        Assert.EndsWith(append.Producer![ReportEvents.ProducerPrefix.Length..], reply);
        Mailboxes.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Queues.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_log_that_does_not_confirm_in_time_gives_451_so_the_sender_retries()
    {
        var (reader, stream, client) = await OpenSessionAsync(ReportServices(events: true, ShortAcceptTimeout));
        using var _ = client;
        await SendAsync(stream, reader, Verp, Dsn);

        _log.ExpectMsg<AppendEvents>(TimeSpan.FromSeconds(10));
        var reply = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("451 4.3.0", reply);
        Assert.StartsWith("250", await CommandAsync(stream, reader, "NOOP"));
    }

    [Fact]
    public async Task A_report_nothing_can_read_goes_to_the_postmaster()
    {
        var (reader, stream, client) = await OpenSessionAsync(ReportServices(events: true));
        using var _ = client;
        await SendAsync(stream, reader, "fbl@local.test", "From: someone@remote.test\nSubject: hi\n\nPlease stop.");

        var deliver = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        Assert.Equal("postmaster@local.test", deliver.Address);
        _log.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Mailboxes.Reply(new MailboxDelivered(deliver.Address, deliver.CorrelationId, 1));
        Assert.StartsWith("250 ", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task With_the_event_log_off_a_readable_report_goes_to_the_postmaster_too()
    {
        var (reader, stream, client) = await OpenSessionAsync(ReportServices(events: false));
        using var _ = client;
        await SendAsync(stream, reader, Verp, Dsn);

        var deliver = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        Assert.Equal("postmaster@local.test", deliver.Address);
        Mailboxes.Reply(new MailboxDelivered(deliver.Address, deliver.CorrelationId, 1));
        Assert.StartsWith("250 ", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
