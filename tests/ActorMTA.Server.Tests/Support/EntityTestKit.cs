using ActorMTA.Server.Cluster;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Support;

/// <summary>
/// A one-node cluster per test, started the production way: SQLite journal (WAL) in its own temp
/// directory, hocon/akka.conf, self-join, both shard regions. Remoting on a free port.
/// </summary>
public abstract class EntityTestKit : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly TempDirectory _temp;
    private readonly string? _overrides;

    protected EntityTestKit(ITestOutputHelper output, string? overrides = null)
        : this(new TempDirectory(), output, overrides) { }

    private EntityTestKit(TempDirectory temp, ITestOutputHelper output, string? overrides)
        : base(NodeConfig.For(Path.Combine(temp.Path, "journal.db"), overrides), "actormta", output)
    {
        _temp = temp;
        _overrides = overrides;
    }

    protected InMemoryContentStore Content { get; } = new();

    protected string JournalFile => Path.Combine(_temp.Path, "journal.db");

    protected ShardRegions Regions { get; private set; } = null!;

    protected EntityPersistenceCounters Counters => EntityPersistenceCounters.Get(Sys);

    /// <summary>The greylist entities' clock, for this node and a restarted one (tests that move time override it).</summary>
    protected virtual TimeProvider Clock => TimeProvider.System;

    public async Task InitializeAsync()
    {
        await ClusterBootstrap.JoinSelfAsync(Sys).WaitAsync(TimeSpan.FromSeconds(20));
        Regions = ShardRegions.Start(Sys, Content, clock: Clock);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// Stops the test's actor system and starts a new one on the same journal (a node restart).
    /// <paramref name="beforeRegions"/> runs after the join and before sharding starts (to subscribe to the event stream).
    /// </summary>
    protected async Task<RestartedNode> RestartAsync(Action<ActorSystem>? beforeRegions = null)
    {
        await Sys.Terminate();
        var system = ActorSystem.Create("actormta", NodeConfig.For(JournalFile, _overrides).WithFallback(DefaultConfig));
        try
        {
            await ClusterBootstrap.JoinSelfAsync(system).WaitAsync(TimeSpan.FromSeconds(20));
            beforeRegions?.Invoke(system);
            return new RestartedNode(system, ShardRegions.Start(system, Content, clock: Clock));
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _temp.Dispose();
    }
}

public sealed record RestartedNode(ActorSystem System, ShardRegions Regions) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await System.Terminate();
}
