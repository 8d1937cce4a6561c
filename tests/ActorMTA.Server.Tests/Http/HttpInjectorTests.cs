using System.Text;
using ActorMTA.Protocol.Http.Inject;
using ActorMTA.Server.Cluster;
using ActorMTA.Server.Hosting;
using ActorMTA.Server.Http;
using ActorMTA.Server.Inbound;
using ActorMTA.Server.Mailboxes;
using ActorMTA.Server.Tests.Support;
using ActorMTA.Storage;
using ActorMTA.Storage.Accounts;
using ActorMTA.Storage.Content;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace ActorMTA.Server.Tests.Http;

/// <summary>
/// The success_count contract of <see cref="HttpInjector"/>, with the mailbox region replaced by a probe so a test
/// decides which deliveries are acknowledged: a recipient counts only after its content commit and its ack; a
/// journal failure, a missing ack or a failed commit fails that recipient alone and retracts what may be stored.
/// </summary>
public sealed class HttpInjectorTests(ITestOutputHelper output) : ProbedEntitiesTestKit(output)
{
    private HttpInjector Injector(IContentStore content, TimeSpan? acceptTimeout) =>
        new(Services(content, acceptTimeout), HttpSettings.Disabled, Sys.Log);

    private static (InjectRequest, InjectMessageBuilder) Request(params string[] recipients)
    {
        var json = $$"""
            {"envelope_sender":"s@remote.test","content":"Subject: t\r\n\r\nbody\r\n",
             "recipients":[{{string.Join(",", recipients.Select(r => $"{{\"email\":\"{r}\"}}"))}}]}
            """;
        Assert.True(InjectRequest.TryParse(Encoding.UTF8.GetBytes(json), new InjectOptions(), out var request, out var error), error?.Message);
        Assert.True(InjectMessageBuilder.TryCreate(request, new InjectOptions(), "mail.local.test", TimeProvider.System, out var builder, out error), error?.Message);
        return (request, builder);
    }

    private Task<InjectResponse> Inject(IContentStore content, params string[] recipients) => Inject(content, null, recipients);

    private Task<InjectResponse> Inject(IContentStore content, TimeSpan? acceptTimeout, params string[] recipients)
    {
        var (request, builder) = Request(recipients);
        return Injector(content, acceptTimeout).InjectAsync(request, builder, "H1", System.Net.IPAddress.Loopback, false, CancellationToken.None);
    }

    [Fact]
    public async Task A_recipient_counts_only_after_its_ack_and_a_journal_failure_fails_it_alone()
    {
        var injection = Inject(Content, "u@local.test", "v@local.test");
        // The two recipients are in flight at once: v's retraction may come before u's delivery.
        var retracted = new List<string>();
        for (var delivered = 0; delivered < 2;)
        {
            var message = Mailboxes.ExpectMsg<object>(TimeSpan.FromSeconds(10));
            if (message is RetractDelivery early)
            {
                retracted.Add(early.Address);
                continue;
            }
            var deliver = Assert.IsType<DeliverToMailbox>(message);
            delivered++;
            Assert.True(Content.Exists(deliver.ContentRef), "delivered before the content was committed");
            Assert.False(injection.IsCompleted, "replied before every ack");
            Mailboxes.Reply(deliver.Address == "u@local.test"
                ? new MailboxDelivered(deliver.Address, deliver.CorrelationId, 1)
                : new JournalWriteFailed(deliver, "disk full"));
        }
        var response = await injection;
        Assert.Equal(1, response.SuccessCount);
        Assert.Equal(["v@local.test"], response.FailedRecipients);
        Assert.Contains("journal write failed", response.Errors["v@local.test"]);
        // The failed message's other holders (none here but the failed one) are told to take it back.
        if (retracted.Count == 0) retracted.Add(Mailboxes.ExpectMsg<RetractDelivery>(TimeSpan.FromSeconds(5)).Address);
        Assert.Equal(["v@local.test"], retracted);
    }

    [Fact]
    public async Task No_ack_within_the_accept_timeout_fails_the_recipient_and_retracts()
    {
        var injection = Inject(Content, ShortAcceptTimeout, "u@local.test");
        var deliver = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        var response = await injection;
        Assert.Equal(0, response.SuccessCount);
        Assert.Contains("timed out", response.Errors["u@local.test"]);
        var retract = Mailboxes.ExpectMsg<RetractDelivery>(TimeSpan.FromSeconds(5));
        Assert.Equal((deliver.QueueId, deliver.CorrelationId), (retract.QueueId, retract.CorrelationId));
    }

    [Fact]
    public async Task A_failedContent_commit_fails_that_recipient_and_nothing_is_delivered()
    {
        var response = await Inject(new FailingCommits(Content), "u@local.test");
        Assert.Equal(0, response.SuccessCount);
        Assert.Equal(["u@local.test"], response.FailedRecipients);
        Assert.Contains("fsync failed", response.Errors["u@local.test"]);
        Mailboxes.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task An_unknown_local_user_fails_alone_and_is_never_delivered()
    {
        var injection = Inject(Content, "nobody@local.test", "u@local.test");
        var deliver = Mailboxes.ExpectMsg<DeliverToMailbox>(TimeSpan.FromSeconds(10));
        Assert.Equal("u@local.test", deliver.Address);
        Mailboxes.Reply(new MailboxDelivered(deliver.Address, deliver.CorrelationId, 1));
        var response = await injection;
        Assert.Equal(1, response.SuccessCount);
        Assert.Equal(["nobody@local.test"], response.FailedRecipients);
        Assert.StartsWith("550", response.Errors["nobody@local.test"]);
        Mailboxes.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private sealed class FailingCommits(IContentStore inner) : IContentStore
    {
        public ContentWriter BeginWrite(string queueId) => inner.BeginWrite(queueId);
        public Task<IReadOnlyList<string>> CommitAsync(ContentWriter writer, int references, CancellationToken cancellationToken = default) =>
            Task.FromException<IReadOnlyList<string>>(new IOException("fsync failed"));
        public void Abort(ContentWriter writer) => inner.Abort(writer);
        public Stream OpenRead(string reference) => inner.OpenRead(reference);
        public long GetLength(string reference) => inner.GetLength(reference);
        public string AddReference(string reference) => inner.AddReference(reference);
        public void Release(string reference) => inner.Release(reference);
        public bool Exists(string reference) => inner.Exists(reference);
    }
}
