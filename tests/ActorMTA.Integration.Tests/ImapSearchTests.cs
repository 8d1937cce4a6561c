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

    [Fact]
    public async Task Esearch_returns_min_max_count_and_all()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Extended);
        for (var i = 1; i <= 5; i++) await AppendAsync(raw, "p" + i, Message($"From: a@example.com\nSubject: {(i is 2 or 4 or 5 ? "match" : "other")} {i}"));

        var (tagged, untagged) = await RunAsync(raw, "e1", "SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT match");
        Assert.StartsWith("e1 OK", tagged);
        Assert.Equal("* ESEARCH (TAG \"e1\") MIN 2 MAX 5 COUNT 3 ALL 2,4:5", Only(untagged, "* ESEARCH"));
        Assert.DoesNotContain(untagged, l => l.StartsWith("* SEARCH"));
        (_, untagged) = await RunAsync(raw, "e2", "UID SEARCH RETURN () SUBJECT match");
        Assert.Equal("* ESEARCH (TAG \"e2\") UID ALL 2,4:5", Only(untagged, "* ESEARCH"));
        (_, untagged) = await RunAsync(raw, "e3", "SEARCH RETURN (COUNT MIN) SUBJECT nothing");
        Assert.Equal("* ESEARCH (TAG \"e3\") COUNT 0", Only(untagged, "* ESEARCH"));
        (tagged, _) = await RunAsync(raw, "e4", "SEARCH RETURN (BOGUS) ALL");
        Assert.StartsWith("e4 BAD", tagged);
    }

    [Fact]
    public async Task Saved_result_is_used_as_dollar_and_forgotten_on_select()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Saved);
        for (var i = 1; i <= 4; i++) await AppendAsync(raw, "p" + i, Message($"From: a@example.com\nSubject: {(i % 2 == 0 ? "even" : "odd")} {i}"));

        // SAVE alone: no ESEARCH, no SEARCH, just OK.
        var (tagged, untagged) = await RunAsync(raw, "r1", "SEARCH RETURN (SAVE) SUBJECT even");
        Assert.StartsWith("r1 OK", tagged);
        Assert.DoesNotContain(untagged, l => l.StartsWith("* ESEARCH") || l.StartsWith("* SEARCH"));

        (_, untagged) = await RunAsync(raw, "r2", "FETCH $ (UID)");
        Assert.Equal(["* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)"], untagged.Where(l => l.Contains("FETCH")).ToList());
        (_, untagged) = await RunAsync(raw, "r3", "SEARCH $ SUBJECT 4");
        Assert.Equal("* SEARCH 4", Only(untagged, "* SEARCH"));
        (_, untagged) = await RunAsync(raw, "r4", "UID SEARCH UID $");
        Assert.Equal("* SEARCH 2 4", Only(untagged, "* SEARCH"));
        (tagged, _) = await RunAsync(raw, "r5", "UID STORE $ +FLAGS.SILENT (\\Deleted)");
        Assert.StartsWith("r5 OK", tagged);
        (_, untagged) = await RunAsync(raw, "r6", "SEARCH DELETED");
        Assert.Equal("* SEARCH 2 4", Only(untagged, "* SEARCH"));

        // Expunged messages drop out of $: message 2 goes, 4 becomes 3.
        (tagged, _) = await RunAsync(raw, "r7", "UID EXPUNGE 2");
        Assert.StartsWith("r7 OK", tagged);
        (_, untagged) = await RunAsync(raw, "r8", "FETCH $ (UID)");
        Assert.Equal(["* 3 FETCH (UID 4)"], untagged.Where(l => l.Contains("FETCH")).ToList());

        // SAVE with MIN keeps the minimum only; COPY $ and MOVE $ work.
        (_, untagged) = await RunAsync(raw, "r9", "SEARCH RETURN (SAVE MIN) ALL");
        Assert.Equal("* ESEARCH (TAG \"r9\") MIN 1", Only(untagged, "* ESEARCH"));
        (tagged, _) = await RunAsync(raw, "r10", "COPY $ INBOX");
        Assert.StartsWith("r10 OK [COPYUID", tagged);
        Assert.Contains(" 1 ", tagged);

        // SELECT forgets the saved result.
        (tagged, _) = await RunAsync(raw, "r11", "SELECT INBOX");
        Assert.StartsWith("r11 OK", tagged);
        (tagged, untagged) = await RunAsync(raw, "r12", "FETCH $ (UID)");
        Assert.StartsWith("r12 OK", tagged);
        Assert.DoesNotContain(untagged, l => l.Contains("FETCH"));
    }

    [Fact]
    public async Task Sort_orders_by_base_subject_date_size_and_display_name()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Sorting);
        await AppendAsync(raw, "p1", Message("From: Zoe <a@example.com>\nTo: x@example.com\nSubject: Re: beta\nDate: Mon, 02 Mar 2026 10:00:00 +0000"));
        await AppendAsync(raw, "p2", Message("From: b@example.com\nTo: y@example.com\nSubject: alpha\nDate: Wed, 04 Mar 2026 10:00:00 +0000", new string('x', 400)));
        await AppendAsync(raw, "p3", Message("From: =?UTF-8?Q?Andr=C3=A9?= <c@example.com>\nTo: z@example.com\nSubject: [list] Fwd: Beta\nDate: Tue, 03 Mar 2026 10:00:00 +0000"));

        var (tagged, untagged) = await RunAsync(raw, "o1", "SORT (SUBJECT) UTF-8 ALL");
        Assert.StartsWith("o1 OK", tagged);
        Assert.Equal("* SORT 2 1 3", Only(untagged, "* SORT"));
        (_, untagged) = await RunAsync(raw, "o2", "SORT (SUBJECT REVERSE DATE) UTF-8 ALL");
        Assert.Equal("* SORT 2 3 1", Only(untagged, "* SORT"));
        (_, untagged) = await RunAsync(raw, "o3", "SORT (REVERSE SIZE) UTF-8 ALL");
        Assert.Equal("* SORT 2 3 1", Only(untagged, "* SORT")); // 3 has the longer header
        // DISPLAYFROM: "André" < "b@example.com" < "Zoe".
        (_, untagged) = await RunAsync(raw, "o4", "SORT (DISPLAYFROM) UTF-8 ALL");
        Assert.Equal("* SORT 3 2 1", Only(untagged, "* SORT"));
        (_, untagged) = await RunAsync(raw, "o5", "UID SORT (REVERSE TO) US-ASCII NOT SUBJECT alpha");
        Assert.Equal("* SORT 3 1", Only(untagged, "* SORT"));
        (_, untagged) = await RunAsync(raw, "o5b", "SORT (REVERSE ARRIVAL) UTF-8 ALL");
        Assert.Equal("* SORT 3 2 1", Only(untagged, "* SORT"));
        (_, untagged) = await RunAsync(raw, "o6", "SORT (DATE) UTF-8 SUBJECT nothing");
        Assert.Equal("* SORT", Only(untagged, "* SORT"));
        (tagged, _) = await RunAsync(raw, "o7", "SORT (SUBJECT) X-UNKNOWN ALL");
        Assert.StartsWith("o7 NO [BADCHARSET", tagged);
        (tagged, _) = await RunAsync(raw, "o8", "SORT (NOTAKEY) UTF-8 ALL");
        Assert.StartsWith("o8 BAD", tagged);
    }

    [Fact]
    public async Task Thread_by_references_and_ordered_subject()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Threading);
        await AppendAsync(raw, "p1", Message("From: a@example.com\nSubject: Plan\nMessage-ID: <a@x>\nDate: Mon, 02 Mar 2026 10:00:00 +0000"));
        await AppendAsync(raw, "p2", Message("From: b@example.com\nSubject: Re: Plan\nMessage-ID: <b@x>\nIn-Reply-To: <a@x>\nDate: Tue, 03 Mar 2026 10:00:00 +0000"));
        await AppendAsync(raw, "p3", Message("From: c@example.com\nSubject: Other\nMessage-ID: <c@x>\nDate: Wed, 04 Mar 2026 10:00:00 +0000"));
        await AppendAsync(raw, "p4", Message("From: d@example.com\nSubject: Re: Plan\nMessage-ID: <d@x>\nReferences: <a@x> <b@x>\nDate: Thu, 05 Mar 2026 10:00:00 +0000"));
        await AppendAsync(raw, "p5", Message("From: e@example.com\nSubject: Re: Plan\nMessage-ID: <e@x>\nReferences: <a@x>\nDate: Fri, 06 Mar 2026 10:00:00 +0000"));

        var (tagged, untagged) = await RunAsync(raw, "t1", "THREAD REFERENCES UTF-8 ALL");
        Assert.StartsWith("t1 OK", tagged);
        Assert.Equal("* THREAD (1 (2 4)(5))(3)", Only(untagged, "* THREAD"));
        (_, untagged) = await RunAsync(raw, "t2", "THREAD ORDEREDSUBJECT UTF-8 ALL");
        Assert.Equal("* THREAD (1 (2)(4)(5))(3)", Only(untagged, "* THREAD"));
        (_, untagged) = await RunAsync(raw, "t3", "UID THREAD REFERENCES UTF-8 NOT SUBJECT other");
        Assert.Equal("* THREAD (1 (2 4)(5))", Only(untagged, "* THREAD"));
        (tagged, _) = await RunAsync(raw, "t4", "THREAD NOSUCH UTF-8 ALL");
        Assert.StartsWith("t4 BAD", tagged);
    }

    [Fact]
    public async Task Capabilities_advertise_the_search_extensions()
    {
        await using var raw = await OpenAsync(Server, ImapSearchFixture.Addresses);
        var (_, untagged) = await RunAsync(raw, "c1", "CAPABILITY");
        var capabilities = Only(untagged, "* CAPABILITY").Split(' ');
        foreach (var name in new[] { "ESEARCH", "SEARCHRES", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES" })
            Assert.Contains(name, capabilities);
    }
}
