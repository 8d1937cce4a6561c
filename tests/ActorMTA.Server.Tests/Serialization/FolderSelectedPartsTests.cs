using System.Text.Json;
using ActorMTA.Server.Imap;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Imap;
using ActorMTA.Server.Tests.Support;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Serialization;

/// <summary>
/// The SELECT reply of a 20,000-message folder against the remoting frame: measured whole, then split into parts
/// that each fit and put back together as the session does.
/// </summary>
public sealed class FolderSelectedPartsTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Count = 20_000;
    // Akka.Remote's default akka.remote.dot-netty.tcp.maximum-frame-size: parts fit it whatever akka.conf raises it to.
    private const int FrameSize = 128_000;
    // What remoting adds around a message: recipient and sender paths, manifest, serializer id.
    private const int EnvelopeAllowance = 2_000;

    private readonly ITestOutputHelper _output;

    public FolderSelectedPartsTests(ITestOutputHelper output) : base(ConfigurationFactory.ParseString("akka.actor.provider = local")
        .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "akka.conf")))), output: output) =>
        _output = output;

    private static FolderSelected Large(byte[]? structure)
    {
        var arrival = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(1));
        var messages = Enumerable.Range(1, Count).Select(i =>
        {
            var queueId = $"0G4Q2B7K9{i:D4}ABCDEFG"[..20];
            var flags = i % 3 == 0 ? MailboxMessage.FlagSet(["\\Seen", "\\Answered"]) : i % 3 == 1 ? MailboxMessage.NoFlags : MailboxMessage.FlagSet(["\\Seen"]);
            return new MailboxMessage(i, queueId, $"{i % 256:x2}/{queueId}.1", 4000 + i * 13 % 200_000, arrival.AddSeconds(i), flags)
            {
                ModSeq = 40_000 + i,
                Structure = structure,
            };
        }).ToArray();
        return new FolderSelected("bob@example.org", "INBOX", false, 1735689600, Count + 1, Count - 10, messages, 2,
            [.. MailboxFlags.System], MailboxFlags.Permanent) { HighestModSeq = 60_001 };
    }

    private static byte[] RealStructure() => MessageStructure.Compute(new MemoryStream(ImapTestMessages.Multipart())).Serialize();

    private int SizeOf(object message) => Sys.Serialization.FindSerializerFor(message).ToBinary(message).Length;

    [Fact]
    public void A_20000_message_select_reply_is_far_over_the_frame_as_a_whole()
    {
        var plain = SizeOf(Large(structure: null));
        var structure = RealStructure();
        var described = SizeOf(Large(structure));
        _output.WriteLine($"FolderSelected of {Count} messages: {plain:N0} bytes without structures, {described:N0} bytes with a " +
                          $"{structure.Length}-byte structure each; frame {FrameSize:N0}");
        Assert.True(plain > FrameSize, "no longer needs parts: FolderSelectedParts could go");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_part_fits_the_frame_and_the_parts_give_back_the_whole_reply(bool withStructures)
    {
        var reply = Large(withStructures ? RealStructure() : null);

        var parts = FolderSelectedParts.Split(reply, FolderSelectedParts.DefaultPartBytes, out var last);

        var sizes = parts.Select(p => SizeOf(p)).Append(SizeOf(last)).ToList();
        _output.WriteLine($"{parts.Count} parts + last; largest {sizes.Max():N0} bytes");
        Assert.NotEmpty(parts);
        Assert.All(sizes, size => Assert.InRange(size, 1, FrameSize - EnvelopeAllowance));
        Assert.Equal(parts.Count, last.Parts);
        Assert.Equal(Enumerable.Range(0, parts.Count), parts.Select(p => p.Index));

        var assembler = new FolderSelectedParts.Assembler();
        foreach (var part in parts) assembler.Add(RoundTrip(part));
        var whole = assembler.Complete(RoundTrip(last));

        Assert.NotNull(whole);
        Assert.Equal(0, whole.Parts);
        Assert.Equal(Count, whole.Exists);
        Assert.Equal(JsonSerializer.Serialize(reply), JsonSerializer.Serialize(whole));
    }

    [Fact]
    public void A_reply_within_the_budget_goes_whole()
    {
        var small = Large(null) is var large ? large with { Messages = large.Messages.Take(100).ToArray() } : null!;
        var parts = FolderSelectedParts.Split(small, FolderSelectedParts.DefaultPartBytes, out var last);
        Assert.Empty(parts);
        Assert.Same(small, last);
        Assert.Same(small, new FolderSelectedParts.Assembler().Complete(last));
    }

    [Fact]
    public void Missing_parts_give_no_reply_and_a_new_first_part_starts_over()
    {
        var parts = FolderSelectedParts.Split(Large(null), 10_000, out var last);
        var assembler = new FolderSelectedParts.Assembler();
        foreach (var part in parts.Skip(1)) assembler.Add(part);
        Assert.Null(assembler.Complete(last));

        // Leftovers of an abandoned reply do not leak into the next one.
        assembler.Add(parts[0]);
        assembler.Add(parts[1]);
        foreach (var part in parts) assembler.Add(part);
        Assert.Equal(Count, assembler.Complete(last)!.Exists);
    }

    [Fact]
    public void The_part_budget_is_half_a_smaller_remoting_frame_and_never_more_than_the_default()
    {
        Assert.Equal(40_000, MailboxSettings.FromConfig(NodeConfig.ActorMta("akka.remote.dot-netty.tcp.maximum-frame-size = 80000b")).SelectPartBytes);
        Assert.Equal(FolderSelectedParts.DefaultPartBytes,
            MailboxSettings.FromConfig(NodeConfig.ActorMta("akka.remote.dot-netty.tcp.maximum-frame-size = 4194304b")).SelectPartBytes);
        Assert.Equal(FolderSelectedParts.DefaultPartBytes, MailboxSettings.FromConfig(NodeConfig.ActorMta()).SelectPartBytes);
    }

    private T RoundTrip<T>(T message) where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        return (T)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }
}
