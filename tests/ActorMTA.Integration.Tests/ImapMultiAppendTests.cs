using System.Text;
using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>MULTIAPPEND (RFC 3502) over real sockets: raw, all-or-nothing, and MailKit's multi-message append.</summary>
[Trait("Category", "Integration")]
public sealed class ImapMultiAppendTests(ImapSharedMailboxFixture fixture) : IClassFixture<ImapSharedMailboxFixture>
{
    private static string Message(int n) => $"From: a{n}@example.org\r\nSubject: multi {n}\r\nMessage-ID: <ma{n}@example.org>\r\n\r\nbody {n}\r\n";

    /// <summary>One APPEND carrying every message as a LITERAL+ literal.</summary>
    private static string MultiAppend(string tag, string mailbox, params string[] messages)
    {
        var command = new StringBuilder($"{tag} APPEND {mailbox}");
        for (var i = 0; i < messages.Length; i++)
            command.Append(i == 0 ? " (\\Flagged)" : " ()").Append($" {{{Encoding.UTF8.GetByteCount(messages[i])}+}}\r\n").Append(messages[i]);
        return command.Append("\r\n").ToString();
    }

    [Fact]
    public async Task Several_messages_go_in_at_once_with_their_uids_and_exists_before_the_tagged_ok()
    {
        var user = fixture.NextUser();
        await using var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        Assert.Contains("* 0 EXISTS", await a.CommandAsync("SELECT INBOX"));

        var tag = a.NextTag();
        await a.Connection.WriteAsync(Encoding.UTF8.GetBytes(MultiAppend(tag, "INBOX", Message(1), Message(2), Message(3))));
        var reply = await a.ReadUntilTaggedAsync(tag);
        Assert.Equal("* 3 EXISTS", reply[0]);
        Assert.Matches($@"^{tag} OK \[APPENDUID \d+ 1:3\] APPEND completed$", reply[^1]);

        var fetch = await a.CommandAsync("FETCH 1:3 (FLAGS ENVELOPE)");
        Assert.StartsWith("* 1 FETCH (FLAGS (\\Flagged \\Recent)", fetch[0]);
        Assert.StartsWith("* 2 FETCH (FLAGS (\\Recent)", fetch[1]);
        for (var i = 1; i <= 3; i++) Assert.Contains($"\"multi {i}\"", fetch[i - 1]);
    }

    [Fact]
    public async Task A_multiappend_to_a_missing_mailbox_or_with_a_message_too_large_stores_nothing()
    {
        var user = fixture.NextUser();
        await using var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        var tag = a.NextTag();
        await a.Connection.WriteAsync(Encoding.UTF8.GetBytes(MultiAppend(tag, "Nowhere", Message(1), Message(2))));
        Assert.Matches($@"^{tag} NO \[TRYCREATE\]", (await a.ReadUntilTaggedAsync(tag))[^1]);

        // The second literal is over the limit: the command is refused, and the first message is not kept either.
        const int big = 60 * 1024 * 1024; // over imap.max-literal-size (50 MiB); never sent
        tag = a.NextTag();
        await a.Connection.WriteAsync(Encoding.UTF8.GetBytes($"{tag} APPEND INBOX {{{Message(1).Length}}}\r\n"));
        Assert.StartsWith("+", await a.ReadResponseLineAsync());
        await a.Connection.WriteAsync(Encoding.UTF8.GetBytes($"{Message(1)} {{{big}}}\r\n"));
        Assert.Matches($@"^{tag} NO \[TOOBIG\]", await a.ReadResponseLineAsync());

        Assert.Contains("* STATUS INBOX (MESSAGES 0)", await a.CommandAsync("STATUS INBOX (MESSAGES)"));
    }

    [Fact]
    public async Task MailKit_appends_several_messages_in_one_command()
    {
        var user = fixture.NextUser();
        using var client = new ImapClient { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.MultiAppend));

        var requests = Enumerable.Range(1, 4).Select(i =>
        {
            var message = new MimeMessage { Subject = "mk " + i };
            message.From.Add(MailboxAddress.Parse("a@example.org"));
            message.Body = new TextPart("plain") { Text = "text " + i };
            return (IAppendRequest)new AppendRequest(message, i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None);
        }).ToList();
        var uids = await client.Inbox.AppendAsync(requests);

        Assert.Equal(4, uids.Count);
        Assert.Equal(uids.Select(u => u.Id).Order(), uids.Select(u => u.Id));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        Assert.Equal(["mk 1", "mk 2", "mk 3", "mk 4"], summaries.Select(s => s.Envelope.Subject));
        Assert.Equal(2, summaries.Count(s => s.Flags!.Value.HasFlag(MessageFlags.Seen)));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_malformed_later_message_drops_the_messages_already_spooled_and_the_session_goes_on()
    {
        var user = fixture.NextUser();
        await using var a = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        await using var other = await RawImapSession.LoginAsync(fixture.Server.Ports.Imap, user);
        await other.CommandAsync("SELECT INBOX");

        // The first message is spooled before the second turns out malformed (unclosed flag list): BAD, nothing stored.
        var tag = a.NextTag();
        var first = Message(1);
        var second = Message(2);
        await a.Connection.WriteAsync(Encoding.UTF8.GetBytes(
            $"{tag} APPEND INBOX {{{first.Length}+}}\r\n{first} (\\Seen {{{second.Length}+}}\r\n{second}\r\n"));
        Assert.Matches($@"^{tag} BAD ", (await a.ReadUntilTaggedAsync(tag))[^1]);
        Assert.Contains("* STATUS INBOX (MESSAGES 0 UIDNEXT 1)", await a.CommandAsync("STATUS INBOX (MESSAGES UIDNEXT)"));
        Assert.DoesNotContain(await other.CommandAsync("NOOP"), l => l.EndsWith(" EXISTS"));

        // Then a good one goes through, and the other session is told of both messages at once.
        tag = a.NextTag();
        await a.Connection.WriteAsync(Encoding.UTF8.GetBytes(MultiAppend(tag, "INBOX", first, second)));
        Assert.Matches($@"^{tag} OK \[APPENDUID \d+ 1:2\]", (await a.ReadUntilTaggedAsync(tag))[^1]);
        Assert.Contains("* 2 EXISTS", await other.CommandAsync("NOOP"));
    }
}
