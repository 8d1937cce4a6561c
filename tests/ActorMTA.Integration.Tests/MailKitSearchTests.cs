using ActorMTA.Integration.Tests.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>ESEARCH, SORT and THREAD end to end with MailKit, which uses them when they are advertised.</summary>
[Trait("Category", "Integration")]
public sealed class MailKitSearchTests(ImapSearchFixture fixture) : IClassFixture<ImapSearchFixture>
{
    private static MimeMessage Message(string from, string subject, DateTimeOffset date, string id, string? inReplyTo = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("reader@example.org"));
        message.Subject = subject;
        message.Date = date;
        message.MessageId = id;
        if (inReplyTo is not null)
        {
            message.InReplyTo = inReplyTo;
            message.References.Add(inReplyTo);
        }
        message.Body = new TextPart("plain") { Text = "Body of " + subject };
        return message;
    }

    [Fact]
    public async Task Search_sort_and_thread_with_mailkit()
    {
        using var client = new ImapClient
        {
            ServerCertificateValidationCallback = (_, _, _, _) => true,
            CheckCertificateRevocation = false,
            Timeout = 30_000,
        };
        await client.ConnectAsync("127.0.0.1", fixture.Server.Ports.Imaps, SecureSocketOptions.SslOnConnect);
        var user = ImapSearchFixture.MailKitUser;
        await client.AuthenticateAsync(user.Address, user.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ESearch));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SearchResults));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Sort));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SortDisplay));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Thread));
        Assert.Contains(ThreadingAlgorithm.References, client.ThreadingAlgorithms);
        Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);

        var inbox = client.Inbox;
        var day = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var uids = new List<UniqueId>();
        foreach (var message in new[]
                 {
                     Message("\"Zoe\" <zoe@example.com>", "Budget", day, "budget@x"),
                     Message("amy@example.com", "Re: Budget", day.AddDays(1), "re-budget@x", "budget@x"),
                     Message("\"Bob\" <bob@example.com>", "Holidays", day.AddDays(2), "holidays@x"),
                 })
            uids.Add((await inbox.AppendAsync(message, MessageFlags.None))!.Value);
        await inbox.OpenAsync(FolderAccess.ReadWrite);

        // ESEARCH: UID SEARCH RETURN (MIN MAX COUNT ALL).
        var results = await inbox.SearchAsync(SearchOptions.Min | SearchOptions.Max | SearchOptions.Count | SearchOptions.All,
            SearchQuery.SubjectContains("budget"));
        Assert.Equal(2, results.Count);
        Assert.Equal(uids[0], results.Min);
        Assert.Equal(uids[1], results.Max);
        Assert.Equal([uids[0], uids[1]], results.UniqueIds);
        var none = await inbox.SearchAsync(SearchOptions.Count | SearchOptions.Min, SearchQuery.SubjectContains("nothing"));
        Assert.Equal(0, none.Count);
        Assert.Null(none.Min);
        // Address search on the parsed From.
        Assert.Equal([uids[1]], await inbox.SearchAsync(SearchQuery.FromContains("amy@example.com")));

        // SORT and SORT=DISPLAY.
        Assert.Equal([uids[0], uids[1], uids[2]], await inbox.SortAsync(SearchQuery.All, [OrderBy.Subject, OrderBy.Date]));
        Assert.Equal([uids[2], uids[1], uids[0]], await inbox.SortAsync(SearchQuery.All, [OrderBy.ReverseDate]));
        Assert.Equal([uids[1], uids[2], uids[0]], await inbox.SortAsync(SearchQuery.All, [OrderBy.DisplayFrom]));

        // THREAD=REFERENCES: the reply is under the budget message.
        var threads = await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All);
        Assert.Equal(2, threads.Count);
        Assert.Equal(uids[0], threads[0].UniqueId);
        Assert.Equal(uids[1], Assert.Single(threads[0].Children).UniqueId);
        Assert.Equal(uids[2], threads[1].UniqueId);
        var bySubject = await inbox.ThreadAsync(ThreadingAlgorithm.OrderedSubject, SearchQuery.All);
        Assert.Equal(2, bySubject.Count);
        Assert.Equal(uids[1], Assert.Single(bySubject[0].Children).UniqueId);

        await client.DisconnectAsync(true);
    }
}
