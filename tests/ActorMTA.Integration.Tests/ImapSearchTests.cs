using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

/// <summary>One server for the SEARCH / ESEARCH / SEARCHRES / SORT / THREAD tests; each test has its own mailbox.</summary>
public sealed class ImapSearchFixture : IAsyncLifetime
{
    public static readonly TestUser Addresses = TestUser.Local("search-addr");
    public static readonly TestUser Charsets = TestUser.Local("search-charset");
    public static readonly TestUser Extended = TestUser.Local("search-esearch");
    public static readonly TestUser Saved = TestUser.Local("search-saved");
    public static readonly TestUser Sorting = TestUser.Local("search-sort");
    public static readonly TestUser Threading = TestUser.Local("search-thread");
    public static readonly TestUser MailKitUser = TestUser.Local("search-mailkit");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("imap server not started");

    public async Task InitializeAsync() =>
        _server = await ServerProcess.StartAsync("", [Addresses, Charsets, Extended, Saved, Sorting, Threading, MailKitUser]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>SEARCH and its extensions in the raw protocol, over a real socket.</summary>
[Trait("Category", "Integration")]
public sealed class ImapSearchTests(ImapSearchFixture fixture) : IClassFixture<ImapSearchFixture>
{
    private ServerProcess Server => fixture.Server;

    /// <summary>A logged-in raw session with INBOX selected.</summary>
    internal static async Task<TextConnection> OpenAsync(ServerProcess server, TestUser user)
    {
        var raw = await TextConnection.ConnectAsync(server.Ports.Imaps, implicitTls: true);
        Assert.StartsWith("* OK", await raw.ReadLineAsync());
        await raw.WriteLineAsync($"a1 LOGIN {user.Address} {user.Password}");
        Assert.StartsWith("a1 OK", await ReadTaggedAsync(raw, "a1"));
        await raw.WriteLineAsync("a2 SELECT INBOX");
        Assert.StartsWith("a2 OK", await ReadTaggedAsync(raw, "a2"));
        return raw;
    }

    internal static async Task<string> ReadTaggedAsync(TextConnection raw, string tag, List<string>? untagged = null)
    {
        while (true)
        {
            var line = await raw.ReadLineAsync() ?? throw new InvalidOperationException("connection closed");
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return line;
            untagged?.Add(line);
        }
    }

    /// <summary>APPENDs a message (headers joined with CRLF, then a body) with a synchronizing literal.</summary>
    internal static async Task AppendAsync(TextConnection raw, string tag, string message, string? date = null)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        await raw.WriteLineAsync($"{tag} APPEND INBOX{(date is null ? "" : $" \"{date}\"")} {{{bytes.Length}}}");
        await ReadContinuationAsync(raw);
        await raw.WriteAsync(bytes);
        await raw.WriteLineAsync("");
        Assert.StartsWith(tag + " OK", await ReadTaggedAsync(raw, tag));
    }

    /// <summary>Waits for "+ ...", skipping untagged updates (EXISTS of an earlier APPEND) that may come first.</summary>
    internal static async Task ReadContinuationAsync(TextConnection raw)
    {
        while (true)
        {
            var line = await raw.ReadLineAsync() ?? throw new InvalidOperationException("connection closed");
            if (line.StartsWith('+')) return;
            Assert.StartsWith("* ", line);
        }
    }

    /// <summary>Runs a command and returns (tagged line, untagged lines).</summary>
    internal static async Task<(string Tagged, List<string> Untagged)> RunAsync(TextConnection raw, string tag, string command)
    {
        await raw.WriteLineAsync($"{tag} {command}");
        var untagged = new List<string>();
        var tagged = await ReadTaggedAsync(raw, tag, untagged);
        return (tagged, untagged);
    }

    /// <summary>The one untagged response of that kind (pushed EXISTS and the like are left aside).</summary>
    internal static string Only(List<string> untagged, string prefix) =>
        Assert.Single(untagged, l => l == prefix || l.StartsWith(prefix + " ", StringComparison.Ordinal));

    internal static string Message(string headers, string body = "Hello.") => headers.Replace("\n", "\r\n") + "\r\n\r\n" + body + "\r\n";

    [Fact]
    public async Task Address_keys_match_the_parsed_address_and_the_decoded_display_name()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Addresses);
        // The case from the issue: comments inside the address. Dovecot finds it; raw header text does not contain it.
        await AppendAsync(raw, "p1", Message("From: <user-from (comment)@ (comment) domain.org>\nTo: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.net>\nSubject: one"));
        await AppendAsync(raw, "p2", Message("From: other@example.com\nTo: nobody@example.com\nCc: \"Carl (cc)\" <carl@cc.example>\nSubject: two"));

        var (tagged, untagged) = await RunAsync(raw, "s1", "SEARCH FROM user-from@domain.org");
        Assert.StartsWith("s1 OK", tagged);
        Assert.Equal("* SEARCH 1", Only(untagged, "* SEARCH"));

        // The RFC 2047-decoded display name is searched, in UTF-8.
        var name = Encoding.UTF8.GetBytes("Müller");
        await raw.WriteLineAsync($"s2 SEARCH CHARSET UTF-8 TO {{{name.Length}}}");
        await ReadContinuationAsync(raw);
        await raw.WriteAsync(name);
        await raw.WriteLineAsync("");
        untagged = [];
        Assert.StartsWith("s2 OK", await ReadTaggedAsync(raw, "s2", untagged));
        Assert.Equal("* SEARCH 1", Only(untagged, "* SEARCH"));

        (tagged, untagged) = await RunAsync(raw, "s3", "SEARCH CC carl@cc.example");
        Assert.Equal("* SEARCH 2", Only(untagged, "* SEARCH"));
        (tagged, untagged) = await RunAsync(raw, "s4", "SEARCH FROM domain.org TO nobody");
        Assert.Equal("* SEARCH", Only(untagged, "* SEARCH"));
        (tagged, untagged) = await RunAsync(raw, "s5", "UID SEARCH OR FROM example.com FROM DOMAIN.ORG");
        Assert.Equal("* SEARCH 1 2", Only(untagged, "* SEARCH"));
        // HEADER and SUBJECT still work on the (decoded) header text.
        (tagged, untagged) = await RunAsync(raw, "s6", "SEARCH HEADER Subject two");
        Assert.Equal("* SEARCH 2", Only(untagged, "* SEARCH"));
        (tagged, untagged) = await RunAsync(raw, "s7", "SEARCH BODY hello SUBJECT one");
        Assert.Equal("* SEARCH 1", Only(untagged, "* SEARCH"));
    }

    [Fact]
    public async Task Utf8_literals_and_unknown_charsets()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Charsets);
        await AppendAsync(raw, "p1", Message("From: a@example.com\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=", "Straße"));
        await AppendAsync(raw, "p2", Message("From: b@example.com\nSubject: plain"));

        var subject = Encoding.UTF8.GetBytes("grüße");
        await raw.WriteLineAsync($"s1 SEARCH CHARSET UTF-8 SUBJECT {{{subject.Length}+}}");
        await raw.WriteAsync(subject);
        await raw.WriteLineAsync("");
        var untagged = new List<string>();
        Assert.StartsWith("s1 OK", await ReadTaggedAsync(raw, "s1", untagged));
        Assert.Equal("* SEARCH 1", Only(untagged, "* SEARCH"));

        var (tagged, _) = await RunAsync(raw, "s2", "SEARCH CHARSET X-UNKNOWN SUBJECT x");
        Assert.Equal("s2 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", tagged);
        // The session stays usable.
        (tagged, untagged) = await RunAsync(raw, "s3", "SEARCH CHARSET US-ASCII SUBJECT plain");
        Assert.StartsWith("s3 OK", tagged);
        Assert.Equal("* SEARCH 2", Only(untagged, "* SEARCH"));
    }
}
