using Xunit;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>
/// One server for every test class in <see cref="SharedServerCollection"/>: start-up costs seconds,
/// so classes that need no special limits share it. Each test uses its own mailbox so they don't
/// see each other's mail.
/// </summary>
public sealed class SharedServerFixture : IAsyncLifetime
{
    // auth-failure-delay is short so the growing-delay test stays fast but measurable.
    public const string Overrides = """
        actormta.smtp.auth-failure-delay = 300ms
        """;

    public static readonly TestUser MailKitPlain = TestUser.Local("mk-plain");
    public static readonly TestUser MailKitSubmission = TestUser.Local("mk-submission");
    public static readonly TestUser MailKitSmtps = TestUser.Local("mk-smtps");
    public static readonly TestUser Python8Bit = TestUser.Local("py-8bit");
    public static readonly TestUser PythonUtf8 = new("jösé@" + ServerProcess.Domain, "pw-jösé-S3cret");
    public static readonly TestUser PythonLarge = TestUser.Local("py-large");
    public static readonly TestUser PythonDots = TestUser.Local("py-dots");
    public static readonly TestUser Bdat = TestUser.Local("bdat");
    public static readonly TestUser SubmissionAdded = TestUser.Local("sub-added");
    public static readonly TestUser SubmissionKept = TestUser.Local("sub-kept");
    public static readonly TestUser SubmissionAuth = TestUser.Local("sub-auth");
    public static readonly TestUser PopDele = TestUser.Local("pop-dele");
    public static readonly TestUser PopAbort = TestUser.Local("pop-abort");
    public static readonly TestUser PopRset = TestUser.Local("pop-rset");
    public static readonly TestUser PopTop = TestUser.Local("pop-top");
    public static readonly TestUser PopUidl = TestUser.Local("pop-uidl");
    public static readonly TestUser PopTls = TestUser.Local("pop-tls");
    public static readonly TestUser CliPasswd = TestUser.Local("cli-passwd");
    public static readonly TestUser Pipelining = TestUser.Local("pipelining");

    public static IReadOnlyList<TestUser> Users =>
    [
        MailKitPlain, MailKitSubmission, MailKitSmtps, Python8Bit, PythonUtf8, PythonLarge, PythonDots, Bdat,
        SubmissionAdded, SubmissionKept, SubmissionAuth, PopDele, PopAbort, PopRset, PopTop, PopUidl, PopTls, CliPasswd, Pipelining,
    ];

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("shared server not started");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(Overrides, Users);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedServerCollection : ICollectionFixture<SharedServerFixture>
{
    public const string Name = "Shared server";
}

/// <summary>
/// Tests that load the machine (hundreds of sessions, thousands of messages) or kill servers run
/// alone, after everything else, so their timing is not disturbed and they disturb no one.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyCollection
{
    public const string Name = "Heavy (run alone)";
}
