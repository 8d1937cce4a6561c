using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>QUOTA (RFC 9208): the commands and responses of its examples.</summary>
public class QuotaCommandTests
{
    [Fact]
    public void The_quota_commands_of_the_rfc_are_parsed()
    {
        Assert.Equal("!partition.sda4", Assert.IsType<ImapCommand.GetQuota>(ImapWire.Parse("G0001 GETQUOTA \"!partition.sda4\"")).Root);
        Assert.Equal("", Assert.IsType<ImapCommand.GetQuota>(ImapWire.Parse("a GETQUOTA \"\"")).Root);
        Assert.Equal("INBOX", Assert.IsType<ImapCommand.GetQuotaRoot>(ImapWire.Parse("G0002 GETQUOTAROOT inbox")).Mailbox);
        var set = Assert.IsType<ImapCommand.SetQuota>(ImapWire.Parse("S0000 SETQUOTA \"#user/alice\" (STORAGE 510 message 10)"));
        Assert.Equal(("#user/alice", "STORAGE", 510L, "MESSAGE"), (set.Root, set.Limits[0].Key, set.Limits[0].Value, set.Limits[1].Key));
        Assert.Empty(Assert.IsType<ImapCommand.SetQuota>(ImapWire.Parse("a SETQUOTA \"\" ()")).Limits);
    }

    [Theory]
    [InlineData("a GETQUOTA")]
    [InlineData("a GETQUOTAROOT")]
    [InlineData("a SETQUOTA \"\" (STORAGE)")]
    [InlineData("a SETQUOTA \"\" STORAGE 5")]
    public void Malformed_quota_commands_are_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Quota_responses_are_formatted_as_in_the_rfc()
    {
        Assert.Equal("* QUOTA \"!partition.sda4\" (STORAGE 104 10923847)\r\n",
            ImapWire.Text(new ImapResponse.Quota("!partition.sda4", [("STORAGE", 104, 10923847)])));
        Assert.Equal("* QUOTAROOT INBOX \"#user/alice\" \"!partition.sda4\"\r\n",
            ImapWire.Text(new ImapResponse.QuotaRoot("INBOX", ["#user/alice", "!partition.sda4"])));
        Assert.Equal("* QUOTAROOT INBOX\r\n", ImapWire.Text(new ImapResponse.QuotaRoot("INBOX", [])));
        Assert.Equal("* QUOTAROOT \"Lists/a b\" \"\"\r\n", ImapWire.Text(new ImapResponse.QuotaRoot("Lists/a b", [""])));
    }

    [Fact]
    public void Quota_is_advertised_and_needs_a_login()
    {
        var capabilities = ImapCapabilities.For(ImapWire.Options, ImapState.Authenticated, tlsActive: true);
        Assert.Contains("QUOTA", capabilities);
        Assert.Contains("QUOTA=RES-STORAGE", capabilities);
        Assert.Equal(ImapStatus.Bad, ImapStateRules.Check(ImapWire.Parse("a GETQUOTAROOT INBOX"), ImapState.NotAuthenticated, true, ImapWire.Options)!.Status);
        Assert.Null(ImapStateRules.Check(ImapWire.Parse("a GETQUOTA \"\""), ImapState.Authenticated, true, ImapWire.Options));
    }

    [Fact]
    public void Status_deleted_and_deleted_storage_are_read_and_written_as_in_the_rfc()
    {
        // RFC 9208 section 4.4 example: A042 STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)
        var status = Assert.IsType<ImapCommand.Status>(ImapWire.Parse("A042 STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)"));
        Assert.Equal([ImapStatusItem.Messages, ImapStatusItem.Deleted, ImapStatusItem.DeletedStorage], status.Items);
        Assert.Equal("* STATUS INBOX (MESSAGES 12 DELETED 4 DELETED-STORAGE 8)\r\n", ImapWire.Text(new ImapResponse.MailboxStatus("INBOX",
            [new(ImapStatusItem.Messages, 12), new(ImapStatusItem.Deleted, 4), new(ImapStatusItem.DeletedStorage, 8)])));
        Assert.Equal(ImapStatus.Bad, ImapWire.Reject("a STATUS INBOX (DELETED-STORAGES)").Response.Status);
    }
}
