namespace ActorMTA.Server.Serialization;

/// <summary>
/// Marker for everything ActorMTA writes to the journal or the snapshot store (entity events and
/// snapshots). hocon/akka.conf binds it to <see cref="EntityRecordSerializer"/>, so none of it ever
/// falls back to the default JSON serializer.
/// </summary>
public interface IPersistedRecord;
