using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>One remote domain of a test bed: its MX name points at a scripted receiver's loopback address.</summary>
/// <param name="Preference">MX preference (lower is tried first).</param>
public sealed record RemoteDomain(string Domain, string ReceiverAddress, int Preference = 10, string? MxName = null)
{
    public string Exchange => MxName ?? "mx." + Domain;
}

/// <summary>
/// Everything outbound delivery needs, for real: dnsmasq serving the remote domains' MX records,
/// one scripted SMTP receiver per loopback address (all on one port, which is the server's
/// actormta.delivery.remote-smtp-port), and an `actormta run` process pointed at both.
/// </summary>
public sealed class DeliveryTestBed : IAsyncDisposable
{
    /// <summary>Fast retries and back-off so deferred mail comes back within a test's patience.</summary>
    public const string FastRetrySchedule = "[300ms, 300ms, 300ms]";

    private readonly Dictionary<string, ScriptedSmtpReceiver> _receivers;

    private DeliveryTestBed(DnsmasqServer dns, Dictionary<string, ScriptedSmtpReceiver> receivers)
    {
        Dns = dns;
        _receivers = receivers;
    }

    public DnsmasqServer Dns { get; }
    public ServerProcess Server { get; private set; } = null!;
    public int ReceiverPort => _receivers.Values.First().Port;

    /// <summary>The receiver on <paramref name="address"/> (e.g. "127.0.0.2").</summary>
    public ScriptedSmtpReceiver Receiver(string address) => _receivers[address];

    /// <param name="domains">Remote domains and the receiver address each one's MX points at (several MX per domain allowed).</param>
    /// <param name="users">Local mailboxes (senders that get the bounces).</param>
    /// <param name="retrySchedule">HOCON list for actormta.delivery.retry-schedule.</param>
    /// <param name="overrides">More HOCON appended after the delivery section (later keys win).</param>
    /// <param name="extraZone">More dnsmasq lines (implicit MX via host-record=, null MX via dns-rr= ...).</param>
    /// <param name="extraReceivers">Receiver addresses that no MX name points at (e.g. implicit-MX hosts).</param>
    public static async Task<DeliveryTestBed> StartAsync(
        IReadOnlyList<RemoteDomain> domains, IEnumerable<TestUser> users,
        string retrySchedule = FastRetrySchedule, string domainBackoff = "300ms", string overrides = "",
        string extraZone = "", IReadOnlyList<string>? extraReceivers = null)
    {
        var dns = await DnsmasqServer.StartAsync(ZoneConfig(domains) + extraZone);
        var addresses = domains.Select(d => d.ReceiverAddress).Concat(extraReceivers ?? []).Distinct().ToArray();
        var receivers = ScriptedSmtpReceiver.StartGroup(addresses).ToDictionary(r => r.Address.ToString());
        var bed = new DeliveryTestBed(dns, receivers);
        try
        {
            bed.Server = await ServerProcess.StartAsync(bed.Overlay(retrySchedule, domainBackoff, overrides), users);
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    private string Overlay(string retrySchedule, string domainBackoff, string overrides) => $$"""
        actormta.delivery {
          dns-servers = ["127.0.0.1:{{Dns.EndPoint.Port}}"]
          remote-smtp-port = {{ReceiverPort}}
          retry-schedule = {{retrySchedule}}
          retry-jitter = 0
          max-age = 1h
          domain-backoff = {{domainBackoff}}
          connect-timeout = 5s
          throttles { "*" { max-connections = 4 } }
        }
        # Delivery tests send to refusing receivers again and again; HardBounceSuppressionTests turns this back on.
        actormta.suppression.automatic = off
        {{overrides}}
        """;

    private static string ZoneConfig(IReadOnlyList<RemoteDomain> domains)
    {
        var zone = new StringBuilder();
        // Authoritative for .test with short TTLs; nothing is forwarded anywhere.
        zone.AppendLine("local=/test/");
        zone.AppendLine("local-ttl=1");
        foreach (var d in domains)
        {
            zone.AppendLine($"mx-host={d.Domain},{d.Exchange},{d.Preference}");
            zone.AppendLine($"host-record={d.Exchange},{d.ReceiverAddress}");
        }
        return zone.ToString();
    }

    // ---- submitting mail ----

    /// <summary>A message with a unique token in its Message-ID, Subject and body; ends with CRLF.</summary>
    public static byte[] Message(string from, string to, string token, string extraBody = "") => Encoding.UTF8.GetBytes(
        $"From: <{from}>\r\nTo: <{to}>\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nMessage-ID: <{token}@it.test>\r\n" +
        $"Subject: {token}\r\n\r\ntoken {token}\r\n{extraBody}");

    /// <summary>Submits through the submission port (STARTTLS, AUTH as the sender, who is also MAIL FROM); requires 250.</summary>
    public async Task SubmitAsync(TestUser sender, IReadOnlyList<string> recipients, byte[] message, string mailParameters = "")
    {
        await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Submission, startTls: true, auth: sender);
        SmtpConversation.Expect(await smtp.SendMessageAsync(sender.Address, recipients, message, mailParameters), 250);
        await smtp.QuitAsync();
    }

    /// <summary>Submits every (recipient, message) over <paramref name="sessions"/> parallel sessions; each must get 250.</summary>
    public async Task SubmitManyAsync(TestUser sender, IReadOnlyList<(string Recipient, byte[] Message)> messages, int sessions = 8)
    {
        var next = -1;
        async Task RunSessionAsync()
        {
            await using var smtp = await SmtpConversation.OpenReadyAsync(Server.Ports.Submission, startTls: true, auth: sender);
            for (var i = Interlocked.Increment(ref next); i < messages.Count; i = Interlocked.Increment(ref next))
                SmtpConversation.Expect(await smtp.SendMessageAsync(sender.Address, [messages[i].Recipient], messages[i].Message), 250);
            await smtp.QuitAsync();
        }
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(_ => Task.Run(RunSessionAsync)));
    }

    // ---- actormta ctl queue ----

    /// <summary>`actormta ctl ARGS` that must succeed.</summary>
    public string Ctl(params string[] args)
    {
        var result = Server.RunCli(["ctl", .. args]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"actormta ctl {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    /// <summary>`actormta ctl ARGS --json`, parsed.</summary>
    public JsonNode CtlJson(params string[] args) =>
        JsonNode.Parse(Ctl([.. args, "--json"])) ?? throw new InvalidOperationException($"ctl {string.Join(' ', args)} --json printed null");

    /// <summary>The queue-list rows of a domain (its partitions domain#k included).</summary>
    public IReadOnlyList<JsonObject> QueueListRows(string domain) =>
        CtlJson("queue", "list").AsArray().Select(n => n!.AsObject())
            .Where(q => q["queue"]!.GetValue<string>() is var id && (id == domain || id.StartsWith(domain + "#", StringComparison.Ordinal)))
            .ToList();

    /// <summary>Messages still queued for the domain (summed over partitions).</summary>
    public int PendingFor(string domain) => QueueListRows(domain).Sum(q => q["pending"]!.GetValue<int>());

    /// <summary>The message objects of `queue show DOMAIN --json`.</summary>
    public IReadOnlyList<JsonObject> QueuedMessages(string domain) =>
        CtlJson("queue", "show", domain)["messages"]!.AsArray().Select(n => n!.AsObject()).ToList();

    /// <summary>Polls `queue show` until <paramref name="condition"/> holds for the domain's messages.</summary>
    public async Task<IReadOnlyList<JsonObject>> WaitForQueueAsync(string domain, Func<IReadOnlyList<JsonObject>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = QueuedMessages(domain);
            if (condition(messages)) return messages;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"queue {domain}: {what} not reached within {timeout}; last: [{string.Join(", ", messages.Select(m => m.ToJsonString()))}]\n{ServerTail()}");
            await Task.Delay(250);
        }
    }

    // ---- local mailboxes ----

    /// <summary>Every message in the mailbox, over POP3 (STLS), not deleted.</summary>
    public async Task<IReadOnlyList<byte[]>> MailboxAsync(TestUser user)
    {
        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        var (count, _) = await pop.StatAsync();
        var messages = new List<byte[]>();
        for (var i = 1; i <= count; i++) messages.Add(await pop.RetrAsync(i));
        await pop.QuitAsync();
        return messages;
    }

    /// <summary>Polls the mailbox until it holds at least <paramref name="count"/> messages; returns all of them.</summary>
    public async Task<IReadOnlyList<byte[]>> WaitForMailboxAsync(TestUser user, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = await MailboxAsync(user);
            if (messages.Count >= count) return messages;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{user.Address} holds {messages.Count} messages after {timeout}, expected {count}\n{ServerTail()}");
            await Task.Delay(250);
        }
    }

    /// <summary>The end of the server's output, for failure messages (delivery log lines included).</summary>
    public string ServerTail(int lines = 60)
    {
        var all = Server.Output.Split('\n');
        return "--- server output (tail) ---\n" + string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public async ValueTask DisposeAsync()
    {
        // Receivers first: a server still delivering must not wait on them while it shuts down.
        foreach (var receiver in _receivers.Values) await receiver.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
        await Dns.DisposeAsync();
    }
}
