using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.Conformance;

/// <summary>A server with the default SMTP settings (bare line ends rejected, max-hops 50) and one mailbox
/// per concern, so each test reads exactly what it stored.</summary>
public sealed class ConformanceServerFixture : IAsyncLifetime
{
    public static readonly TestUser EmptyBdat = TestUser.Local("empty-bdat");
    public static readonly TestUser ReturnPathPop = TestUser.Local("rp-pop");
    public static readonly TestUser ReturnPathImap = TestUser.Local("rp-imap");
    public static readonly TestUser Hops = TestUser.Local("hops");
    public static readonly TestUser BareNewlines = TestUser.Local("bare-newlines");
    public static readonly TestUser Smuggling = TestUser.Local("smuggling");
    public static readonly TestUser Smuggled = TestUser.Local("smuggled");
    public static readonly TestUser DsnSender = TestUser.Local("dsn-sender");
    public static readonly TestUser DsnWants = TestUser.Local("dsn-wants");
    public static readonly TestUser DsnSilent = TestUser.Local("dsn-silent");

    /// <summary>RFC 5321 section 4.5.3.1: the longest local part (64 octets) and domain (255 octets) a
    /// server must accept, together in one address.</summary>
    public static readonly string LongDomain = LongDomainName();
    public static readonly TestUser LongAddress = new(new string('l', 64) + "@" + LongDomain, "pw-long-S3cret");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(
        "",
        [EmptyBdat, ReturnPathPop, ReturnPathImap, Hops, BareNewlines, Smuggling, Smuggled, DsnSender, DsnWants, DsnSilent, LongAddress],
        [LongDomain]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    // Four labels of 62 octets, their dots and "org": 4 * 63 + 3 = 255.
    private static string LongDomainName()
    {
        var name = string.Join('.', Enumerable.Range(0, 4).Select(i => (char)('a' + i) + new string('x', 61)).Append("org"));
        if (name.Length != 255) throw new InvalidOperationException($"domain is {name.Length} octets");
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class ConformanceCollection : ICollectionFixture<ConformanceServerFixture>
{
    public const string Name = "SMTP conformance server";
}
