using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>Every client command shown in RFC 3501 sections 6 and 8, plus the extension commands.</summary>
public class ImapCommandParserTests
{
    private static T Parse<T>(string wire) where T : ImapCommand => Assert.IsType<T>(ImapWire.Parse(wire));

    [Theory]
    [InlineData("abcd CAPABILITY", typeof(ImapCommand.Capability))]
    [InlineData("a002 NOOP", typeof(ImapCommand.Noop))]
    [InlineData("A023 LOGOUT", typeof(ImapCommand.Logout))]
    [InlineData("a002 STARTTLS", typeof(ImapCommand.StartTls))]
    [InlineData("FXXZ CHECK", typeof(ImapCommand.Check))]
    [InlineData("A341 CLOSE", typeof(ImapCommand.Close))]
    [InlineData("A202 EXPUNGE", typeof(ImapCommand.Expunge))]
    [InlineData("a1 unselect", typeof(ImapCommand.Unselect))]
    [InlineData("a1 IDLE", typeof(ImapCommand.Idle))]
    [InlineData("a1 NAMESPACE", typeof(ImapCommand.Namespace))]
    [InlineData("a006 logout", typeof(ImapCommand.Logout))]
    public void Commands_without_arguments(string wire, Type type)
    {
        var command = ImapWire.Parse(wire);
        Assert.IsType(type, command);
        Assert.Equal(wire.Split(' ')[0], command.Tag);
    }

    [Fact]
    public void Commands_without_arguments_reject_arguments()
    {
        Assert.Equal("a BAD Unexpected extra arguments\r\n", ImapWire.Text(ImapWire.Reject("a NOOP now").Response));
        ImapWire.Reject("a NOOP ");
        ImapWire.Reject("a  NOOP");
    }

    [Fact]
    public void Authenticate_with_and_without_initial_response()
    {
        var gssapi = Parse<ImapCommand.Authenticate>("A001 AUTHENTICATE GSSAPI");
        Assert.Equal(("GSSAPI", null), (gssapi.Mechanism, gssapi.InitialResponse));
        var plain = Parse<ImapCommand.Authenticate>("a AUTHENTICATE plain AGpvZQBzZWNyZXQ=");
        Assert.Equal(("PLAIN", "AGpvZQBzZWNyZXQ="), (plain.Mechanism, plain.InitialResponse));
        Assert.Equal("=", Parse<ImapCommand.Authenticate>("a AUTHENTICATE PLAIN =").InitialResponse);
        Assert.DoesNotContain("AGpvZQ", plain.ToString());
    }

    [Fact]
    public void Sasl_continuation_lines()
    {
        Assert.True(ImapContinuationLine.ParseSaslResponse("*"u8).Cancelled);
        var response = ImapContinuationLine.ParseSaslResponse("YDMGCSqGSIb3EgECAgIBAAD/////3LQBHXTpFfZgrejpLlLImP"u8);
        Assert.False(response.Cancelled);
        Assert.Equal("YDMGCSqGSIb3EgECAgIBAAD/////3LQBHXTpFfZgrejpLlLImP", response.Base64);
        Assert.Equal("", ImapContinuationLine.ParseSaslResponse(""u8).Base64);
        Assert.True(ImapContinuationLine.IsIdleDone("DONE"u8));
        Assert.True(ImapContinuationLine.IsIdleDone("done"u8));
        Assert.False(ImapContinuationLine.IsIdleDone("DONE "u8));
        Assert.False(ImapContinuationLine.IsIdleDone("a1 NOOP"u8));
    }

    [Theory]
    [InlineData("a001 LOGIN SMITH SESAME", "SMITH", "SESAME")]
    [InlineData("a001 login mrc secret", "mrc", "secret")]
    [InlineData("A001 LOGIN fred blurdybloop", "fred", "blurdybloop")]
    [InlineData("a LOGIN \"joe smith\" \"pa\\\"ss\\\\\"", "joe smith", "pa\"ss\\")]
    [InlineData("a LOGIN user] \"\"", "user]", "")]
    public void Login(string wire, string user, string password)
    {
        var login = Parse<ImapCommand.Login>(wire);
        Assert.Equal((user, password), (login.UserName, login.Password));
        Assert.DoesNotContain(password.Length > 0 ? password : "\u0000", login.ToString());
    }

    [Theory]
    [InlineData("a LOGIN")]
    [InlineData("a LOGIN joe")]
    [InlineData("a LOGIN joe \"unterminated")]
    [InlineData("a LOGIN joe (x)")]
    [InlineData("a LOGIN joe \"bad\\escape\"")]
    public void Malformed_login_is_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Select_examine_and_mailbox_commands()
    {
        Assert.Equal("INBOX", Parse<ImapCommand.Select>("A142 SELECT INBOX").Mailbox);
        Assert.Equal("INBOX", Parse<ImapCommand.Select>("a002 select inbox").Mailbox);
        Assert.Equal("blurdybloop", Parse<ImapCommand.Examine>("A932 EXAMINE blurdybloop").Mailbox);
        Assert.Equal("owatagusiam/", Parse<ImapCommand.Create>("A003 CREATE owatagusiam/").Mailbox);
        Assert.Equal("owatagusiam/blurdybloop", Parse<ImapCommand.Create>("A004 CREATE owatagusiam/blurdybloop").Mailbox);
        Assert.Equal("foo/bar", Parse<ImapCommand.Delete>("A685 DELETE foo/bar").Mailbox);
        Assert.Equal("#news.comp.mail.mime", Parse<ImapCommand.Subscribe>("A002 SUBSCRIBE #news.comp.mail.mime").Mailbox);
        Assert.Equal("#news.comp.mail.mime", Parse<ImapCommand.Unsubscribe>("A002 UNSUBSCRIBE #news.comp.mail.mime").Mailbox);
        Assert.Equal("Entw&APw-rfe", Parse<ImapCommand.Select>("a SELECT \"Entw&APw-rfe\"").Mailbox);
        var rename = Parse<ImapCommand.Rename>("A683 RENAME blurdybloop sarasoop");
        Assert.Equal(("blurdybloop", "sarasoop"), (rename.Mailbox, rename.NewName));
        Assert.Equal("INBOX", Parse<ImapCommand.Rename>("Z433 RENAME INBOX old-mail").Mailbox);
        ImapWire.Reject("a SELECT");
        ImapWire.Reject("a SELECT a b");
        ImapWire.Reject("a RENAME a");
    }

    [Theory]
    [InlineData("A682 LIST \"\" *", "", "*")]
    [InlineData("A86 LIST \"\" %", "", "%")]
    [InlineData("A101 LIST \"\" \"\"", "", "")]
    [InlineData("A102 LIST #news.comp.mail.misc \"\"", "#news.comp.mail.misc", "")]
    [InlineData("A103 LIST /usr/staff/jones \"\"", "/usr/staff/jones", "")]
    [InlineData("A202 LIST ~/Mail/ %", "~/Mail/", "%")]
    [InlineData("a LIST \"\" INBOX/%]", "", "INBOX/%]")]
    public void List(string wire, string reference, string pattern)
    {
        var list = Parse<ImapCommand.List>(wire);
        Assert.Equal((reference, pattern), (list.Reference, list.Pattern));
    }

    [Fact]
    public void Lsub()
    {
        var lsub = Parse<ImapCommand.Lsub>("A002 LSUB \"#news.\" \"comp.mail.*\"");
        Assert.Equal(("#news.", "comp.mail.*"), (lsub.Reference, lsub.Pattern));
        Assert.Equal("comp.%", Parse<ImapCommand.Lsub>("A003 LSUB \"#news.\" \"comp.%\"").Pattern);
    }

    [Fact]
    public void Status()
    {
        var status = Parse<ImapCommand.Status>("A042 STATUS blurdybloop (UIDNEXT MESSAGES)");
        Assert.Equal("blurdybloop", status.Mailbox);
        Assert.Equal([ImapStatusItem.UidNext, ImapStatusItem.Messages], status.Items);
        Assert.Equal(5, Parse<ImapCommand.Status>("a status INBOX (messages recent uidnext uidvalidity unseen)").Items.Count);
        ImapWire.Reject("a STATUS INBOX ()");
        ImapWire.Reject("a STATUS INBOX (FOO)");
        ImapWire.Reject("a STATUS INBOX MESSAGES");
    }

    [Fact]
    public void Append_from_the_rfc_with_its_literal()
    {
        const string message =
            "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n" +
            "From: Fred Foobar <foobar@Blurdybloop.COM>\r\n" +
            "Subject: afternoon meeting\r\n" +
            "To: mooch@owatagu.siam.edu\r\n" +
            "Message-Id: <B27397-0100000@Blurdybloop.COM>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n" +
            "\r\n" +
            "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";
        Assert.Equal(310, message.Length);
        var append = Parse<ImapCommand.Append>("A003 APPEND saved-messages (\\Seen) {310}\r\n" + message + "\r\n");
        Assert.Equal("saved-messages", append.Mailbox);
        Assert.Equal([@"\Seen"], append.Flags);
        Assert.Equal(message, System.Text.Encoding.ASCII.GetString(append.Message.Content!.Value.Span));
    }

    [Theory]
    [InlineData("a APPEND INBOX")]
    [InlineData("a APPEND INBOX (\\Seen)")]
    [InlineData("a APPEND INBOX \"hello\" {1}\r\nx")]
    [InlineData("a APPEND INBOX \"31-Feb-2024 10:00:00 +0000\" {1}\r\nx")]
    [InlineData("a APPEND INBOX (\\Seen {1}\r\nx")]
    public void Malformed_append_is_bad(string wire) => Assert.Equal(ImapStatus.Bad, ImapWire.Reject(wire).Response.Status);

    [Fact]
    public void Uid_expunge_and_expunge()
    {
        Assert.Null(Parse<ImapCommand.Expunge>("a EXPUNGE").Uids);
        var expunge = Parse<ImapCommand.Expunge>("a UID EXPUNGE 3000:3002,3004");
        Assert.Equal("3000:3002,3004", expunge.Uids!.ToString());
        Assert.Equal("UID EXPUNGE", expunge.Name);
        ImapWire.Reject("a UID EXPUNGE");
        ImapWire.Reject("a UID FROB 1");
    }

    [Fact]
    public void Store()
    {
        var store = Parse<ImapCommand.Store>("a005 store 12 +flags \\deleted");
        Assert.Equal((false, "12", StoreMode.Add, false), (store.ByUid, store.Set.ToString(), store.Mode, store.Silent));
        Assert.Equal([@"\Deleted"], store.Flags);

        var silent = Parse<ImapCommand.Store>("A003 STORE 2:4 -FLAGS.SILENT (\\Deleted $Junk)");
        Assert.Equal((StoreMode.Remove, true), (silent.Mode, silent.Silent));
        Assert.Equal([@"\Deleted", "$Junk"], silent.Flags);

        var replace = Parse<ImapCommand.Store>("a UID STORE 1:* FLAGS ()");
        Assert.True(replace.ByUid);
        Assert.Equal(StoreMode.Replace, replace.Mode);
        Assert.Empty(replace.Flags);
        Assert.Equal("UID STORE", replace.Name);

        ImapWire.Reject("a STORE 1 FLAGZ (\\Seen)");
        ImapWire.Reject("a STORE 1 +FLAGS");
        ImapWire.Reject("a STORE 1 +FLAGS (\\Seen");
        ImapWire.Reject("a STORE 0 +FLAGS (\\Seen)");
    }

    [Fact]
    public void Copy_and_move()
    {
        var copy = Parse<ImapCommand.Copy>("A003 COPY 2:4 MEETING");
        Assert.Equal(("2:4", "MEETING", false), (copy.Set.ToString(), copy.Mailbox, copy.ByUid));
        Assert.Equal("owatagusiam", Parse<ImapCommand.Copy>("A222 COPY 1:2 owatagusiam").Mailbox);
        var move = Parse<ImapCommand.Move>("a UID MOVE 42:69 foo");
        Assert.Equal(("42:69", "foo", true), (move.Set.ToString(), move.Mailbox, move.ByUid));
        Assert.Equal("Trash", Parse<ImapCommand.Move>("a MOVE 1 \"Trash\"").Mailbox);
        ImapWire.Reject("a COPY 1");
        ImapWire.Reject("a COPY x INBOX");
    }

    [Fact]
    public void Enable_and_id()
    {
        Assert.Equal(["CONDSTORE", "X-GOOD-IDEA"], Parse<ImapCommand.Enable>("t2 ENABLE CONDSTORE X-GOOD-IDEA").Capabilities);
        ImapWire.Reject("t2 ENABLE");

        Assert.Null(Parse<ImapCommand.Id>("a023 ID NIL").Parameters);
        var id = Parse<ImapCommand.Id>("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)");
        Assert.Equal([new("name", "sodr"), new("version", "19.34"), new KeyValuePair<string, string?>("vendor", null)], id.Parameters!);
        Assert.Empty(Parse<ImapCommand.Id>("a ID ()").Parameters!);
        ImapWire.Reject("a ID");
        ImapWire.Reject("a ID (\"name\")");
    }

    [Fact]
    public void Command_names_are_case_insensitive_and_given_for_completion_text()
    {
        Assert.Equal("UID FETCH", ImapWire.Parse("A999 uid fetch 4827313:4828442 FLAGS").Name);
        Assert.Equal("FETCH", ImapWire.Parse("a FeTcH 1 uid").Name);
        Assert.Equal("SEARCH", ImapWire.Parse("a search all").Name);
    }
}
