using ActorMTA.Server.Hosting;
using ActorMTA.Server.Inbound;
using ActorMTA.Storage;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Content;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Support;

/// <summary>
/// What the acceptance paths (SMTP's 250, HTTP's success_count) need around them, with the mailbox and domain-queue
/// regions replaced by probes so a test decides which deliveries are acknowledged: a temp directory, accounts
/// u@local.test and v@local.test, a file content store, and <see cref="Services"/> that tie them together.
/// </summary>
public abstract class ProbedEntitiesTestKit : Akka.TestKit.Xunit2.TestKit
{
    protected ProbedEntitiesTestKit(ITestOutputHelper output) : base(output: output)
    {
        var accountsFile = Path.Combine(Temp.Path, "accounts.db");
        using (var directory = new AccountDirectory(accountsFile, new AccountOptions(1000)))
        {
            directory.AddDomain("local.test");
            directory.AddUser("u@local.test", "pw");
            directory.AddUser("v@local.test", "pw");
        }
        Accounts = new AccountCache(accountsFile, new AccountOptions(1000));
        Content = new FileContentStore(new ContentStoreOptions(Path.Combine(Temp.Path, "spool")));
        Mailboxes = CreateTestProbe();
        Queues = CreateTestProbe();
    }

    protected TempDirectory Temp { get; } = new();
    protected AccountCache Accounts { get; }
    protected FileContentStore Content { get; }
    protected TestProbe Mailboxes { get; }
    protected TestProbe Queues { get; }

    /// <summary>The accept timeout a test that waits for it to fire passes to <see cref="Services"/>.</summary>
    protected static readonly TimeSpan ShortAcceptTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Services over <paramref name="content"/> (default: <see cref="Content"/>). The accept timeout defaults to 15 s,
    /// so a test whose probe acknowledges is never overtaken by it on a loaded CI host; a test of the timeout itself
    /// passes <see cref="ShortAcceptTimeout"/>.
    /// </summary>
    protected InboundServices Services(IContentStore? content = null, TimeSpan? acceptTimeout = null)
    {
        var timeout = (int)(acceptTimeout ?? TimeSpan.FromSeconds(15)).TotalMilliseconds;
        var config = ConfigurationFactory.ParseString($"actormta.smtp.accept-timeout = {timeout}ms\nactormta.data-dir = \"{Temp.Path}\"")
            .WithFallback(ConfigLoader.Load(null));
        return new InboundServices(ServerSettings.FromConfig(config), Accounts, content ?? Content, Mailboxes.Ref, Queues.Ref, Certificate: null);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        Content.Dispose();
        Accounts.Dispose();
        Temp.Dispose();
    }
}
