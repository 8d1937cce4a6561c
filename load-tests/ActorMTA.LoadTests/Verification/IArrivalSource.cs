namespace ActorMTA.LoadTests.Verification;

/// <summary>
/// Where verification looks for delivered messages: the tool's sink, or the recipients' mailboxes
/// over POP3 / IMAP. A mailbox is named by its login address.
/// </summary>
internal interface IArrivalSource
{
    /// <summary>
    /// For each of <paramref name="mailboxes"/> that could be read: how many times each X-Load-Id of
    /// the run is there now. A mailbox that could not be read is left out (its failure is counted).
    /// </summary>
    Task<Dictionary<string, Dictionary<string, int>>> ScanAsync(IReadOnlyCollection<string> mailboxes, CancellationToken cancel);

    /// <summary>Removes the run's messages from the mailboxes; returns how many were removed.</summary>
    Task<long> DeleteAsync(IReadOnlyCollection<string> mailboxes, CancellationToken cancel);
}
