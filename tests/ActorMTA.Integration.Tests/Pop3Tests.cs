using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>POP3 (RFC 1939) semantics over STLS, against mail delivered by SMTP.</summary>
[Collection(SharedServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class Pop3Tests(SharedServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Dele_then_quit_removes_the_message_for_later_sessions()
    {
        var user = SharedServerFixture.PopDele;
        await DeliverAsync(user, "first");
        await DeliverAsync(user, "second");

        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            Assert.Equal(2, (await pop.StatAsync()).Count);
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Assert.Equal(1, (await pop.StatAsync()).Count); // deleted messages are not counted
            Assert.StartsWith("-ERR", await pop.CommandAsync("RETR 1"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }

        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            Assert.Equal(1, (await pop.StatAsync()).Count);
            Assert.Contains("Subject: second", Encoding.UTF8.GetString(await pop.RetrAsync(1)));
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }
    }

    [Fact]
    public async Task Dele_without_quit_keeps_the_message()
    {
        var user = SharedServerFixture.PopAbort;
        await DeliverAsync(user, "kept when the session drops");
        try
        {
            await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
            {
                Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
                pop.Connection.Abort(); // no QUIT: no UPDATE state, nothing is removed
            }
            await Task.Delay(300);
            await using var again = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
            Assert.Equal(1, (await again.StatAsync()).Count);
        }
        finally
        {
            await MailKitClients.FetchAllAsync(Server.Ports.Pop3, user, delete: true);
        }
    }

    [Fact]
    public async Task Rset_undeletes()
    {
        var user = SharedServerFixture.PopRset;
        await DeliverAsync(user, "rset me");

        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            var (count, size) = await pop.StatAsync();
            Assert.Equal(1, count);
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Assert.Equal(0, (await pop.StatAsync()).Count);
            Pop3Conversation.Expect(await pop.CommandAsync("RSET"));
            Assert.Equal((1, size), await pop.StatAsync());
            Pop3Conversation.Expect(await pop.QuitAsync());
        }

        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            Assert.Equal(1, (await pop.StatAsync()).Count);
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }
    }

    [Fact]
    public async Task Top_returns_the_header_and_the_first_body_lines()
    {
        var user = SharedServerFixture.PopTop;
        var body = "body 1\r\n.body 2 starts with a dot\r\nbody 3\r\nbody 4\r\n";
        await SmtpConversation.DeliverAsync(Server.Ports.Smtp, "sender@example.org", user.Address,
            Encoding.UTF8.GetBytes($"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: top\r\n\r\n{body}"));

        await using var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user);
        var full = await pop.RetrAsync(1);
        var headerEnd = Encoding.UTF8.GetString(full).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;

        var (status, lines) = await pop.MultiLineAsync("TOP 1 2");
        Pop3Conversation.Expect(status);
        var top = Encoding.UTF8.GetString(Pop3Conversation.JoinLines(lines));
        Assert.Equal(Encoding.UTF8.GetString(full, 0, headerEnd) + "body 1\r\n.body 2 starts with a dot\r\n", top);

        var (status0, lines0) = await pop.MultiLineAsync("TOP 1 0");
        Pop3Conversation.Expect(status0);
        Assert.Equal(Encoding.UTF8.GetString(full, 0, headerEnd), Encoding.UTF8.GetString(Pop3Conversation.JoinLines(lines0)));

        Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
        Pop3Conversation.Expect(await pop.QuitAsync());
    }

    [Fact]
    public async Task Uidl_is_stable_across_sessions_and_deletions()
    {
        var user = SharedServerFixture.PopUidl;
        await DeliverAsync(user, "uidl one");
        await DeliverAsync(user, "uidl two");
        await DeliverAsync(user, "uidl three");

        Dictionary<int, string> first;
        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            first = await pop.UidlAsync();
            Assert.Equal(3, first.Count);
            Assert.Equal(3, first.Values.Distinct().Count());
            Assert.All(first.Values, uid => Assert.Matches("^[\x21-\x7e]{1,70}$", uid)); // RFC 1939 unique-id syntax
            Assert.Equal($"+OK 2 {first[2]}", await pop.CommandAsync("UIDL 2"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }

        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            Assert.Equal(first, await pop.UidlAsync());
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }

        await using (var pop = await Pop3Conversation.OpenLoggedInAsync(Server.Ports.Pop3, user))
        {
            var after = await pop.UidlAsync();
            Assert.Equal(new[] { first[2], first[3] }, after.OrderBy(kv => kv.Key).Select(kv => kv.Value));
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 1"));
            Pop3Conversation.Expect(await pop.CommandAsync("DELE 2"));
            Pop3Conversation.Expect(await pop.QuitAsync());
        }
    }

    [Fact]
    public async Task User_and_pass_are_refused_before_stls()
    {
        var user = SharedServerFixture.PopTls;
        await using var pop = await Pop3Conversation.OpenAsync(Server.Ports.Pop3);
        Assert.StartsWith("-ERR", await pop.CommandAsync($"USER {user.Address}"));
        Assert.StartsWith("-ERR", await pop.CommandAsync($"PASS {user.Password}"));

        await pop.StlsAsync();
        Pop3Conversation.Expect(await pop.CommandAsync($"USER {user.Address}"));
        Pop3Conversation.Expect(await pop.CommandAsync($"PASS {user.Password}"));
        Pop3Conversation.Expect(await pop.QuitAsync());
    }

    [Fact]
    public async Task Implicit_tls_pop3s_logs_in()
    {
        var user = SharedServerFixture.PopTls;
        await using var pop = await Pop3Conversation.OpenAsync(Server.Ports.Pop3s, implicitTls: true);
        Pop3Conversation.Expect(await pop.CommandAsync($"USER {user.Address}"));
        Pop3Conversation.Expect(await pop.CommandAsync($"PASS {user.Password}"));
        await pop.StatAsync();
        Pop3Conversation.Expect(await pop.QuitAsync());
    }

    private Task DeliverAsync(TestUser user, string subject) =>
        SmtpConversation.DeliverAsync(Server.Ports.Smtp, "sender@example.org", user.Address,
            Encoding.UTF8.GetBytes($"From: sender@example.org\r\nTo: {user.Address}\r\nSubject: {subject}\r\n\r\n{subject}\r\n"));
}
