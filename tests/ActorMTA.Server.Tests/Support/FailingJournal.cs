using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorMTA.Server.Tests.Support;

/// <summary>
/// An in-memory journal whose writes fail while <see cref="Failing"/> is set, as SQLite's do on a full disk.
/// Enabled with <see cref="Config"/>.
/// </summary>
public sealed class FailingJournal : MemoryJournal
{
    public const string Config = """
        akka.persistence.journal.plugin = "akka.persistence.journal.failing"
        akka.persistence.journal.failing {
          class = "ActorMTA.Server.Tests.Support.FailingJournal, ActorMTA.Server.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private static volatile bool _failing;

    public static bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        Failing
            ? Task.FromException<IImmutableList<Exception>>(new IOException("database or disk is full"))
            : base.WriteMessagesAsync(messages, cancellationToken);
}
