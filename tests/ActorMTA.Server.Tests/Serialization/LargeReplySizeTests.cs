using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Queues;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>
/// Replies and pushes that grow with a 20,000-message folder (or a 20,000-entry queue) against the remoting frame
/// akka.conf sets: a larger message is dropped by remoting, and the session on the other node waits for its timeout.
/// The sizes are the ones quoted in akka.conf.
/// </summary>
public sealed class LargeReplySizeTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Count = 20_000;
    // Room for what remoting adds around a message (recipient and sender paths, manifest).
    private const int EnvelopeAllowance = 2_000;
    private const string Bob = "bob@example.org";
    private static readonly DateTimeOffset Arrival = new(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(1));

    private readonly ITestOutputHelper _output;
    private readonly Config _akka = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf")));

    public LargeReplySizeTests(ITestOutputHelper output) : base(ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf")))), output: output) =>
        _output = output;

    private static readonly MailboxMessage[] Messages = Enumerable.Range(1, Count)
        .Select(i =>
        {
            var queueId = $"0G4Q2B7K9{i:D4}ABCDEFG"[..20];
            return new MailboxMessage(i, queueId, $"{i % 256:x2}/{queueId}.1", 4000 + i, Arrival.AddSeconds(i), MailboxMessage.FlagSet(["\\Seen"]))
            {
                ModSeq = 40_000 + i,
            };
        })
        .ToArray();

    private static readonly long[] Uids = Messages.Select(m => m.Uid).ToArray();

    public static IEnumerable<object[]> Large() => new object[][]
    {
        ["POP3 maildrop", new Maildrop(Bob, Messages)],
        ["STORE 1:* reply", new FlagsStored(Bob, "INBOX", Messages.Select(FlagChange.Of).ToArray()) { Changed = Uids }],
        ["STORE 1:* push", new FolderChanged(Bob, "INBOX", [], [], [], Messages.Select(FlagChange.Of).ToArray())],
        ["COPY 1:* push", new FolderChanged(Bob, "INBOX", Messages, Uids, [], [])],
        ["COPY 1:* into the selected folder", new MessagesCopied(Bob, "INBOX", "INBOX", 1, Uids, Uids, false) { Own = new AddedToSelected(Messages, Uids) }],
        ["EXPUNGE of all", new MessagesExpunged(Bob, "INBOX", Uids, 1)],
        ["queue status", new QueueStatus("example.net", Count, Enumerable.Range(0, Count)
            .Select(i => new QueuedDelivery($"0G4Q2B7K9{i:D4}ABCDEFG"[..20], $"3f/0G4Q2B7K9{i:D4}ABCDEFG.1", "sender@example.org", ["rcpt@example.net"],
                4000, Arrival, 3, Arrival.AddMinutes(15), "451 4.7.1 greylisted, try again later"))
            .ToArray())],
    };

    [Theory]
    [MemberData(nameof(Large))]
    public void Fits_the_remoting_frame_of_akka_conf(string what, object message)
    {
        var frame = _akka.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null)
                    ?? throw new InvalidOperationException("akka.conf sets no maximum-frame-size");
        var size = Sys.Serialization.FindSerializerFor(message).ToBinary(message).Length;
        _output.WriteLine($"{what}: {size:N0} bytes of {frame:N0}");
        Assert.InRange(size, 1, frame - EnvelopeAllowance);
    }
}
