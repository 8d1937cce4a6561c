using System.Net;
using ActorMTA.Server.Greylisting;
using ActorMTA.Server.Tests.Mailboxes;
using ActorMTA.Server.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Greylisting;

/// <summary>
/// The verdict waits for its event: when the write fails, the client hears "unavailable", never a Defer whose first-seen
/// time was not kept (the client's retry would then be deferred again, indefinitely).
/// </summary>
[Collection(nameof(MailboxJournalFailureTests))] // FailingJournal.Failing is process-wide
public sealed class GreylistJournalFailureTests(ITestOutputHelper output)
    : EntityTestKit(output, FailingJournal.Config + "\nactormta.spam.greylisting.enabled = on")
{
    [Fact]
    public async Task A_failed_write_makes_the_greylist_unavailable_and_the_next_check_finds_it_again()
    {
        var client = GreylistClient.Create(Sys, Regions);
        var address = IPAddress.Parse("198.51.100.7");
        FailingJournal.Failing = true;
        GreylistVerdict failed;
        try
        {
            failed = await client.CheckAsync(address, "alice@example.net", "bob@example.org", TimeSpan.FromSeconds(5));
        }
        finally
        {
            FailingJournal.Failing = false;
        }

        Assert.Equal(GreylistOutcome.Unavailable, failed.Outcome);
        Assert.Equal("journal write failed: database or disk is full", failed.Detail);
        Assert.False(failed.Accepts);

        // The entity restarts from its journal with a later check (one sent while it is still stopping is lost).
        GreylistVerdict? verdict = null;
        for (var attempt = 0; attempt < 5 && verdict?.Outcome != GreylistOutcome.Defer; attempt++)
            verdict = await client.CheckAsync(address, "alice@example.net", "bob@example.org", TimeSpan.FromSeconds(3));
        Assert.Equal(GreylistOutcome.Defer, verdict!.Outcome);
        Assert.Equal(TimeSpan.FromMinutes(5), verdict.RetryAfter);
    }
}
