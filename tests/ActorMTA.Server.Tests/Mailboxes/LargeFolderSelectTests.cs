using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Inbound;
using ActorMTA.Storage.Accounts;
using Akka.Configuration;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Mailboxes;

/// <summary>A big INBOX is selected from the entity's state alone: the content store is never read.</summary>
public sealed class LargeFolderSelectTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private const int Count = 20_000;

    [Fact]
    public void Selecting_a_20000_message_inbox_reads_no_content()
    {
        var store = new CountingContentStore(Content);
        var settings = MailboxSettings.FromConfig(Sys.Settings.Config);
        // Started directly (not through the region) so the entity uses the counting store.
        var mailbox = Sys.ActorOf(Mailbox.Props("big@example.org", store, settings, EntityPersistenceCounters.Get(Sys).Mailbox));
        var arrival = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Count; i++)
            mailbox.Tell(new DeliverToMailbox("big@example.org", "Q" + i, Content.Add("Q" + i), 1000 + i, arrival, i), TestActor);
        ReceiveN(Count, TimeSpan.FromSeconds(60));
        mailbox.Tell(new StoreFlags("big@example.org", "INBOX", Enumerable.Range(1, 10).Select(i => (long)i).ToArray(), FlagStoreMode.Add, ["\\Seen"]), TestActor);
        ExpectMsg<FlagsStored>(TimeSpan.FromSeconds(10));

        var started = DateTime.UtcNow;
        mailbox.Tell(new SelectFolder("big@example.org", "INBOX", CreateTestProbe().Ref), TestActor);
        // Asked from this node, the folder comes whole: only a session on another node gets it in parts
        // (CrossNodeMessageTests), since only remoting has a frame to fit.
        var selected = ExpectMsg<FolderSelected>(TimeSpan.FromSeconds(10));
        Assert.Equal(0, selected.Parts);
        Output?.WriteLine($"SELECT of {Count} messages answered in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");

        Assert.Equal(Count, selected.Exists);
        Assert.Equal(Count, selected.Recent);
        Assert.Equal(11, selected.FirstUnseen);
        Assert.Equal(1000L + Count - 1, selected.Messages[^1].Size);
        Assert.Equal(0, store.Reads);
    }

    [Fact]
    public async Task An_imap_session_selects_and_fetches_uid_flags_of_20000_messages_without_reading_content()
    {
        const string address = "big@example.org";
        var store = new CountingContentStore(Content);
        var settings = MailboxSettings.FromConfig(Sys.Settings.Config);
        var mailbox = Sys.ActorOf(Mailbox.Props(address, store, settings, EntityPersistenceCounters.Get(Sys).Mailbox));
        var arrival = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Count; i++)
            mailbox.Tell(new DeliverToMailbox(address, "Q" + i, Content.Add("Q" + i), 1000 + i, arrival, i), TestActor);
        ReceiveN(Count, TimeSpan.FromSeconds(60));

        using var temp = new TempDirectory();
        var accountsFile = Path.Combine(temp.Path, "accounts.db");
        using (var directory = new AccountDirectory(accountsFile, new AccountOptions(1000)))
        {
            directory.AddDomain("example.org");
            directory.AddUser(address, "pw");
        }
        using var accounts = new AccountCache(accountsFile, new AccountOptions(1000));
        var config = ConfigurationFactory.ParseString($"actormta.imap.auth-requires-tls = off\nactormta.data-dir = \"{temp.Path}\"")
            .WithFallback(ConfigLoader.Load(null));
        // The session talks to the mailbox actor directly, so every content read goes through the counting store.
        var services = new InboundServices(ServerSettings.FromConfig(config), accounts, store, mailbox, ActorRefs.Nobody, Certificate: null);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var socket = await listener.AcceptSocketAsync();
        Sys.ActorOf(ImapSession.Props(services, new ListenerSettings("imap", ListenerProtocol.Imap, IPAddress.Loopback, 0, TlsMode.None, false, true), socket));
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<List<string>> CommandAsync(string tag, string command)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"));
            var lines = new List<string>();
            while (true)
            {
                var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? throw new IOException("closed");
                lines.Add(line);
                if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return lines;
            }
        }
        Assert.StartsWith("* OK", await reader.ReadLineAsync());
        Assert.StartsWith("a1 OK", (await CommandAsync("a1", $"LOGIN {address} pw"))[^1]);

        var started = DateTime.UtcNow;
        var select = await CommandAsync("a2", "SELECT INBOX");
        Assert.StartsWith("a2 OK", select[^1]);
        Assert.Contains($"* {Count} EXISTS", select);
        var fetch = await CommandAsync("a3", "FETCH 1:* (UID FLAGS)");
        Output?.WriteLine($"SELECT + FETCH 1:* (UID FLAGS) of {Count} messages over a socket in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");

        Assert.StartsWith("a3 OK", fetch[^1]);
        Assert.Equal(Count, fetch.Count(l => l.StartsWith("* ", StringComparison.Ordinal) && l.Contains(" FETCH (")));
        Assert.Contains(fetch, l => l.StartsWith($"* {Count} FETCH (", StringComparison.Ordinal) && l.Contains($"UID {Count}"));
        Assert.Equal(0, store.Reads);
    }
}
