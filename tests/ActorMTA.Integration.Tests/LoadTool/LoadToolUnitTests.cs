using System.Text;
using ActorMTA.LoadTests;
using ActorMTA.LoadTests.Cli;
using ActorMTA.LoadTests.Imap;
using ActorMTA.LoadTests.Smtp;
using ActorMTA.LoadTests.Verification;
using Xunit;

namespace ActorMTA.Integration.Tests.LoadTool;

/// <summary>The load tool's parsing and message building, in-process (no server).</summary>
public sealed class LoadToolUnitTests
{
    private static SmtpOptions Smtp(params string[] args) => SmtpOptions.Parse(new ArgReader("smtp", args, SmtpOptions.Specs));

    [Fact]
    public void Smtp_defaults()
    {
        var o = Smtp();
        Assert.Equal("127.0.0.1:2525", o.Common.Target);
        Assert.Equal(10, o.Common.Sessions);
        Assert.Equal(1000, o.Common.Total);
        Assert.Null(o.Common.Duration);
        Assert.Null(o.Common.Rate);
        Assert.Equal(1, o.Common.SourceIps);
        Assert.Equal(0.01, o.Common.MaxErrorRate);
        Assert.Equal([2048], o.Sizes.Sizes);
        Assert.Equal(["u@local.test"], o.Recipients.All);
        Assert.True(o.Pipelining);
        Assert.False(o.Hold);
        Assert.Null(o.Auth);
        Assert.Equal(VerifyMethod.None, o.Verify.Method);
        Assert.Matches("^[0-9a-z]{10}$", o.Common.RunId);
    }

    [Fact]
    public void Smtp_options_in_both_spellings_and_last_one_wins()
    {
        var o = Smtp("--port=2526", "--sessions", "10000", "--duration", "30s", "--rate", "250.5", "--source-ips", "20",
            "--rcpt", "load{n}@local.test", "--users", "3", "--rcpts-per-message", "2", "--pipelining", "off",
            "--starttls", "--auth", "me@local.test:pa:ss", "--hold", "--sessions", "12", "--size", "20k");
        Assert.Equal(2526, o.Common.Port);
        Assert.Equal(12, o.Common.Sessions);
        Assert.Null(o.Common.Total);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Common.Duration);
        Assert.Equal(250.5, o.Common.Rate);
        Assert.Equal(20, o.Common.SourceIps);
        Assert.Equal(["load0@local.test", "load1@local.test", "load2@local.test"], o.Recipients.All);
        Assert.Equal("load1@local.test", o.Recipients[4]);
        Assert.Equal(2, o.RecipientsPerMessage);
        Assert.False(o.Pipelining);
        Assert.True(o.Common.StartTls);
        Assert.Equal(("me@local.test", "pa:ss"), o.Auth);
        Assert.True(o.Hold);
        Assert.Equal([20 * 1024], o.Sizes.Sizes);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--sessions", "0")]
    [InlineData("--sessions", "many")]
    [InlineData("--messages", "10", "--duration", "5s")]
    [InlineData("--duration", "soon")]
    [InlineData("--size", "2048", "--size-mix", "2048:1")]
    [InlineData("--size-mix", "2048")]
    [InlineData("--users", "3")]
    [InlineData("--pipelining", "maybe")]
    [InlineData("--auth", "nopassword")]
    [InlineData("--verify", "pop3")]
    [InlineData("--verify", "carrier-pigeon")]
    [InlineData("--verify-delete")]
    [InlineData("--source-ips", "254")]
    [InlineData("--hold", "--messages-per-session", "5")]
    [InlineData("--run-id", "has-dash")]
    [InlineData("--sessions")]
    [InlineData("positional")]
    public void Bad_smtp_command_lines_are_usage_errors(params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => Smtp(args));
        Assert.StartsWith("smtp:", e.Message);
    }

    [Fact]
    public void Help_is_a_flag_not_an_error_and_lists_every_option()
    {
        var reader = new ArgReader("smtp", ["--help"], SmtpOptions.Specs);
        Assert.True(reader.HelpRequested);
        var help = ArgReader.Help(SmtpOptions.Usage, SmtpOptions.Description, SmtpOptions.Specs, SmtpOptions.Footer);
        foreach (var spec in SmtpOptions.Specs) Assert.Contains("--" + spec.Name, help);
        Assert.Contains("messages_acknowledged", help);
    }

    [Fact]
    public void Imap_and_pop3_need_a_password()
    {
        Assert.Throws<UsageException>(() => MailboxOptions.Parse(new ArgReader("imap", [], MailboxOptions.ImapSpecs), imap: true));
        var pop = MailboxOptions.Parse(new ArgReader("pop3", ["--password", "pw", "--retr", "3", "--iterations", "7"], MailboxOptions.Pop3Specs), imap: false);
        Assert.Equal(3, pop.Bodies);
        Assert.Equal(7, pop.Common.Total);
        Assert.Equal(2110, pop.Common.Port);
        Assert.Throws<UsageException>(() => new ArgReader("pop3", ["--bodies", "2"], MailboxOptions.Pop3Specs));
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("30", 30)]
    [InlineData("1.5s", 1.5)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    public void Durations(string text, double seconds)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("3d")]
    [InlineData("1.2.3s")]
    public void Bad_durations(string text) => Assert.False(ValueParsers.TryParseDuration(text, out _));

    [Theory]
    [InlineData("2048", 2048)]
    [InlineData("20k", 20480)]
    [InlineData("20KiB", 20480)]
    [InlineData("1m", 1048576)]
    [InlineData("1MB", 1048576)]
    public void Sizes(string text, long bytes)
    {
        Assert.True(ValueParsers.TryParseSize(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Fact]
    public void Size_mix_parses_and_keeps_its_proportions_over_any_prefix()
    {
        var mix = SizeMix.TryParse("2048:70, 20k:25 ,1048576:5", out var error);
        Assert.Null(error);
        Assert.NotNull(mix);
        Assert.Equal([2048, 20480, 1048576], mix.Sizes);
        foreach (var n in new[] { 100, 1000, 100_000 })
        {
            var counts = new int[3];
            for (long seq = 1; seq <= n; seq++) counts[mix.IndexFor(seq)]++;
            Assert.InRange(counts[0] / (double)n, 0.68, 0.72);
            Assert.InRange(counts[1] / (double)n, 0.23, 0.27);
            Assert.InRange(counts[2] / (double)n, 0.03, 0.07);
        }
        Assert.Equal(2048, SizeMix.TryParse("2048:1", out _)!.SizeFor(12345));
    }

    [Theory]
    [InlineData("2048")]
    [InlineData("2048:")]
    [InlineData(":5")]
    [InlineData("2048:0")]
    [InlineData("2048:-1")]
    [InlineData("big:5")]
    [InlineData("0:5")]
    [InlineData("2048:1,2k:1")]
    [InlineData("2048:1,,4096:1")]
    public void Bad_size_mixes(string text)
    {
        Assert.Null(SizeMix.TryParse(text, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Address_patterns()
    {
        Assert.Equal(["a0@x.test", "a1@x.test"], AddressPattern.TryParse("a{n}@x.test", 2, out _)!.All);
        Assert.Equal(["u@x.test"], AddressPattern.TryParse("u@x.test", 1, out _)!.All);
        Assert.Null(AddressPattern.TryParse("u@x.test", 2, out var e1));
        Assert.Contains("{n}", e1);
        Assert.Null(AddressPattern.TryParse("<u@x.test>", 1, out _));
    }

    [Fact]
    public void Messages_have_the_size_asked_for_short_printable_lines_and_a_unique_load_id()
    {
        var factory = new MessageFactory("run1", "load@bench.test", SizeMix.TryParse("1000:1,2048:1,100000:1", out _)!, "u@local.test");
        for (var index = 0; index < 3; index++)
        {
            var size = factory.Sizes.Sizes[index];
            var message = factory.Header(1234, "u@local.test").Concat(factory.Body(index).ToArray()).ToArray();
            var text = Encoding.ASCII.GetString(message);
            Assert.EndsWith("\r\n.\r\n", text);
            var content = text[..^3];
            Assert.InRange(content.Length, size - 16, size + 16);
            var lines = content.Split("\r\n");
            Assert.All(lines, l => Assert.True(l.Length <= 76, l));
            Assert.All(lines, l => Assert.DoesNotContain(l, c => c < 32 || c > 126));
            Assert.DoesNotContain(lines, l => l.StartsWith('.'));
            Assert.Contains("\r\nX-Load-Id: run1-1234\r\n", text);
            Assert.Contains("\r\nMessage-ID: <run1.1234@bench.test>\r\n", text);
        }
        Assert.Equal("run1-7", factory.LoadId(7));
    }

    [Theory]
    [InlineData("451 4.3.0 Try again later", "451 4.3.0")]
    [InlineData("421 Service closing", "421")]
    [InlineData("550 5.1.1 <x@y>: no such user", "550 5.1.1")]
    [InlineData("552 4.3.0 mismatched class", "552")]
    [InlineData("554", "554")]
    public void Error_keys_of_replies(string line, string key) =>
        Assert.Equal(key, SmtpReply.KeyOf(int.Parse(line[..3]), Encoding.ASCII.GetBytes(line)));

    [Fact]
    public void Uid_sets_are_compact_and_chunked()
    {
        Assert.Equal(["1:3,5,7:8"], ImapClient.UidSets([8, 1, 2, 3, 5, 7]));
        Assert.Equal(["1:2", "3:4", "5"], ImapClient.UidSets([1, 2, 3, 4, 5], perChunk: 2));
        Assert.Equal("\"a\\\"b\\\\c\"", ImapClient.Quote("a\"b\\c"));
    }

    [Fact]
    public void Load_id_header_and_run_membership()
    {
        Assert.True(LoadIdHeader.TryParse("x-LOAD-id:  abc-12 "u8, out var id));
        Assert.Equal("abc-12", id);
        Assert.False(LoadIdHeader.TryParse("X-Load-Idx: abc-1"u8, out _));
        Assert.True(LoadIdHeader.IsOfRun("abc-12", "abc"));
        Assert.False(LoadIdHeader.IsOfRun("abcd-12", "abc"));
        Assert.False(LoadIdHeader.IsOfRun("abc-", "abc"));
    }

    [Fact]
    public void Ids_file_round_trip()
    {
        var path = Path.GetTempFileName();
        try
        {
            var log = new AcknowledgedLog("r1");
            log.Add("r1-2", ["b@x.test"]);
            log.Add("r1-10", ["a@x.test", "c@x.test"]);
            log.WriteTo(path);
            Assert.Equal(["# actormta-load run r1", "r1-2 b@x.test", "r1-10 a@x.test,c@x.test"], File.ReadAllLines(path));
            var read = AcknowledgedLog.ReadFrom(path);
            Assert.Equal("r1", read.RunId);
            Assert.Equal(2, read.Count);
            Assert.Contains(read.Entries, e => e.LoadId == "r1-10" && e.Recipients.SequenceEqual(["a@x.test", "c@x.test"]));

            File.WriteAllText(path, "# actormta-load run r1\nother-1 a@x.test\n");
            Assert.Throws<FormatException>(() => AcknowledgedLog.ReadFrom(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
