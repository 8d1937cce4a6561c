namespace ActorMTA.Storage.Content;

/// <summary>
/// Counters of the group committer since the store was opened. <see cref="Batches"/> is the number of
/// sync rounds; with concurrent writers it stays well below <see cref="CommittedFiles"/>.
/// </summary>
public sealed record GroupCommitStatistics(long Batches, long CommittedFiles, long FailedCommits, int LargestBatch);
