using ActorMTA.TestSupport;
using Xunit;

namespace ActorMTA.Server.Tests.Checks.Rspamd;

/// <summary>One real Rspamd for a test class: starting one costs seconds, scans cost milliseconds.</summary>
public sealed class RspamdFixture : IAsyncLifetime
{
    public RspamdServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RspamdServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
