using Akka.Actor;
using Akka.Persistence;
using Npgsql;

namespace ActorMTA.Server.Cluster;

/// <summary>
/// On the postgresql backend, makes the nodes of a cluster that start together create the journal and snapshot
/// tables one at a time: a node holds a PostgreSQL advisory lock while a throwaway persistent actor recovers, which
/// makes Akka.Persistence.Sql initialize (auto-initialize) both stores; the next node then finds them made.
/// </summary>
public static class JournalSchemaGate
{
    private const long SchemaLock = 7464309;
    private const string ProbeId = "actormta-schema-probe";

    public static async Task EnsureAsync(ActorSystem system, string connectionString, TimeSpan timeout)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({SchemaLock})", connection))
            await take.ExecuteNonQueryAsync();
        try
        {
            var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var probe = system.ActorOf(Props.Create(() => new SchemaProbe(recovered)), "schema-probe");
            try
            {
                await recovered.Task.WaitAsync(timeout);
            }
            finally
            {
                system.Stop(probe);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({SchemaLock})", connection);
            await release.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Recovers (loading a snapshot, replaying the journal) and reports; it never writes.</summary>
    private sealed class SchemaProbe : UntypedPersistentActor
    {
        private readonly TaskCompletionSource _recovered;

        public SchemaProbe(TaskCompletionSource recovered) => _recovered = recovered;

        public override string PersistenceId => ProbeId;

        protected override void OnCommand(object message) { }

        protected override void OnRecover(object message)
        {
            if (message is RecoveryCompleted) _recovered.TrySetResult();
        }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            _recovered.TrySetException(reason);
            base.OnRecoveryFailure(reason, message);
        }
    }
}
