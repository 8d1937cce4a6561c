using System.Text.Json.Nodes;
using ActorMTA.Protocol.Http.Inject;
using Xunit;

namespace ActorMTA.Protocol.Tests.Http.Inject;

public class InjectRequestTests
{
    private static JsonObject Valid() => InjectJson.Assembled(InjectJson.Recipient("alice@example.com", "Alice"));

    [Fact]
    public void Assembled_request_exposes_every_field()
    {
        var body = Valid();
        body["pool"] = "bulk-a";
        body["tenant"] = "acme";
        body["campaign"] = "spring-2026";
        body["substitutions"] = new JsonObject { ["code"] = "G1", ["count"] = 3, ["vip"] = true };
        body["content"]!["reply_to"] = "Help Desk <help@sender.example>";
        body["content"]!["headers"] = new JsonObject { ["X-Campaign"] = "{{ campaign }}", ["List-Unsubscribe"] = "<mailto:u@sender.example>" };
        body["recipients"]!.AsArray().Add(InjectJson.Recipient("bob@example.org", substitutions: new JsonObject { ["code"] = "B2" }));

        using var request = InjectJson.Parse(body);

        Assert.Equal("bounces@sender.example", request.EnvelopeSender);
        Assert.Equal(("bulk-a", "acme", "spring-2026"), (request.Pool, request.Tenant, request.Campaign));
        Assert.Equal(2, request.RecipientCount);
        Assert.Equal("G1", request.Substitutions["code"]);
        Assert.Equal(3m, request.Substitutions["count"]);
        Assert.Equal(true, request.Substitutions["vip"]);
        var content = Assert.IsType<InjectAssembledContent>(request.Content);
        Assert.Equal(new InjectAddress("news@sender.example", "Sender News"), content.From);
        Assert.Equal(new InjectAddress("help@sender.example", "Help Desk"), content.ReplyTo);
        Assert.Equal("Hello {{ name }}", content.Subject);
        Assert.Null(content.HtmlBody);
        Assert.Equal(["X-Campaign", "List-Unsubscribe"], content.Headers.Select(h => h.Key));
        var recipients = request.Recipients.ToList();
        Assert.Equal(("alice@example.com", "Alice"), (recipients[0].Email, recipients[0].Name));
        Assert.Empty(recipients[0].Substitutions);
        Assert.Equal(("bob@example.org", (string?)null), (recipients[1].Email, recipients[1].Name));
        Assert.Equal("B2", recipients[1].Substitutions["code"]);
    }

    [Fact]
    public void Recipients_are_made_as_they_are_enumerated_not_up_front()
    {
        var body = InjectJson.Assembled();
        for (var i = 0; i < 10_000; i++) body["recipients"]!.AsArray().Add(InjectJson.Recipient($"r{i}@example.com"));
        using var request = InjectJson.Parse(body);

        Assert.Equal(10_000, request.RecipientCount);
        // Two enumerations give equal but distinct objects: nothing was kept as a list on the request.
        var first = request.Recipients.First();
        Assert.NotSame(first, request.Recipients.First());
        Assert.Equal("r9999@example.com", request.Recipients.Last().Email);
    }

    [Fact]
    public void Raw_content_gets_crlf_line_ends()
    {
        var body = new JsonObject
        {
            ["envelope_sender"] = "s@sender.example",
            ["content"] = "From: s@sender.example\nTo: x@example.com\r\nSubject: raw\r\rbody line\n",
            ["recipients"] = new JsonArray(InjectJson.Recipient("x@example.com")),
        };
        using var request = InjectJson.Parse(body);
        var raw = Assert.IsType<InjectRawContent>(request.Content);
        Assert.Equal("From: s@sender.example\r\nTo: x@example.com\r\nSubject: raw\r\n\r\nbody line\r\n"u8.ToArray(), raw.Message.ToArray());
    }

    [Theory]
    [InlineData("{not json", InjectError.InvalidJson)]
    [InlineData("", InjectError.InvalidJson)]
    [InlineData("[1,2]", InjectError.InvalidJson)]
    [InlineData("""{"envelope_sender":"a@b.example","envelope_sender":"c@d.example"}""", InjectError.InvalidJson)]
    [InlineData("""{"content":"From: a@b.example\r\n\r\nx","recipients":[{"email":"r@x.example"}]}""", InjectError.MissingField)]
    [InlineData("""{"envelope_sender":"a@b.example","recipients":[{"email":"r@x.example"}]}""", InjectError.MissingField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx"}""", InjectError.NoRecipients)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx","recipients":[]}""", InjectError.NoRecipients)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx","recipients":{}}""", InjectError.InvalidField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"just a body","recipients":[{"email":"r@x.example"}]}""", InjectError.InvalidField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":42,"recipients":[{"email":"r@x.example"}]}""", InjectError.InvalidField)]
    [InlineData("""{"envelope_sender":5,"content":"From: a@b.example\r\n\r\nx","recipients":[{"email":"r@x.example"}]}""", InjectError.InvalidField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx","recipients":[{"name":"no email"}]}""", InjectError.MissingField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx","recipients":[{"email":"r@x.example","substitutions":[1]}]}""", InjectError.InvalidField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx","recipients":[{"email":"r@x.example","name":"A\r\nBcc: x@y.example"}]}""", InjectError.InvalidField)]
    [InlineData("""{"envelope_sender":"a@b.example","content":"From: a@b.example\r\n\r\nx","recipients":[{"email":"r@x.example"}],"pool":"two words"}""", InjectError.InvalidField)]
    public void Malformed_requests_are_refused_with_their_code(string body, string code)
    {
        Assert.Equal(code, InjectJson.Refusal(body).Code);
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("two@@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("\"a@b\"@example.com")]
    [InlineData("user@")]
    [InlineData("@example.com")]
    [InlineData("user@.example.com")]
    [InlineData("user@example..com")]
    [InlineData("Alice <alice@example.com>")]
    [InlineData("alice@example.com\r\nRCPT TO:<x@evil.example>")]
    [InlineData("group: a@example.com;")]
    [InlineData("")]
    public void Bad_addresses_are_refused_wherever_they_appear(string address)
    {
        var asRecipient = Valid();
        asRecipient["recipients"]!.AsArray().Add(InjectJson.Recipient(address));
        Assert.Equal(InjectError.InvalidAddress, InjectJson.Refusal(asRecipient).Code);

        var asSender = Valid();
        asSender["envelope_sender"] = address;
        Assert.Equal(InjectError.InvalidAddress, InjectJson.Refusal(asSender).Code);

        var asFrom = Valid();
        asFrom["content"]!["from"] = new JsonObject { ["email"] = address };
        Assert.Equal(InjectError.InvalidAddress, InjectJson.Refusal(asFrom).Code);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("Alice <alice@>")]
    [InlineData("a@b@example.com")]
    public void Bad_from_and_reply_to_strings_are_refused(string mailbox)
    {
        var from = Valid();
        from["content"]!["from"] = mailbox;
        Assert.Equal(InjectError.InvalidAddress, InjectJson.Refusal(from).Code);

        var replyTo = Valid();
        replyTo["content"]!["reply_to"] = mailbox;
        Assert.Equal(InjectError.InvalidAddress, InjectJson.Refusal(replyTo).Code);
    }

    [Fact]
    public void Missing_from_and_missing_bodies_are_missing_fields()
    {
        var noFrom = Valid();
        noFrom["content"]!.AsObject().Remove("from");
        var error = InjectJson.Refusal(noFrom);
        Assert.Equal((InjectError.MissingField, "content.from is required."), (error.Code, error.Message));

        var noBody = Valid();
        noBody["content"]!.AsObject().Remove("text_body");
        Assert.Equal(InjectError.MissingField, InjectJson.Refusal(noBody).Code);
    }

    [Fact]
    public void More_recipients_than_the_configured_maximum_are_refused()
    {
        var body = InjectJson.Assembled();
        for (var i = 0; i < 6; i++) body["recipients"]!.AsArray().Add(InjectJson.Recipient($"r{i}@example.com"));

        var error = InjectJson.Refusal(body, new InjectOptions { MaxRecipients = 5 });
        Assert.Equal(InjectError.TooManyRecipients, error.Code);
        Assert.Contains("at most 5", error.Message);
        InjectJson.Parse(body, new InjectOptions { MaxRecipients = 6 }).Dispose();
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("QUJD=")]
    [InlineData("QUJ")]
    public void Attachment_data_that_is_not_base64_is_refused(string data)
    {
        var body = Valid();
        body["content"]!["attachments"] = new JsonArray(new JsonObject { ["content_type"] = "application/pdf", ["file_name"] = "a.pdf", ["data"] = data });
        var error = InjectJson.Refusal(body);
        Assert.Equal((InjectError.InvalidBase64, "content.attachments[0].data is not valid base64."), (error.Code, error.Message));
    }

    [Theory]
    [InlineData("content_type", "not a type")]
    [InlineData("content_type", "multipart/mixed")]
    [InlineData("file_name", "a\r\nb.pdf")]
    [InlineData("file_name", "")]
    public void Attachment_type_and_name_are_checked(string field, string value)
    {
        var attachment = new JsonObject { ["content_type"] = "application/pdf", ["file_name"] = "a.pdf", ["data"] = "QUJD" };
        attachment[field] = value;
        var body = Valid();
        body["content"]!["attachments"] = new JsonArray(attachment);
        Assert.Equal(InjectError.InvalidField, InjectJson.Refusal(body).Code);
    }

    [Theory]
    [InlineData("X-Ok", "line one\r\nBcc: victim@example.com")]
    [InlineData("X-Ok", "bare\nline feed")]
    [InlineData("X-Ok", "bare\rcarriage return")]
    [InlineData("X-Ok", "nul\0byte")]
    [InlineData("Bad Name", "value")]
    [InlineData("Bad:Name", "value")]
    [InlineData("Bäd", "value")]
    [InlineData("", "value")]
    [InlineData("Subject", "a second subject")]
    [InlineData("content-type", "text/html")]
    [InlineData("Bcc", "hidden@example.com")]
    [InlineData("return-path", "<x@evil.example>")]
    public void Header_names_and_values_that_could_forge_headers_are_refused(string name, string value)
    {
        var body = Valid();
        body["content"]!["headers"] = new JsonObject { [name] = value };
        Assert.Equal(InjectError.InvalidHeader, InjectJson.Refusal(body).Code);
    }

    [Fact]
    public void A_subject_with_a_line_break_is_refused()
    {
        var body = Valid();
        body["content"]!["subject"] = "Hi\r\nBcc: victim@example.com";
        var error = InjectJson.Refusal(body);
        Assert.Equal(InjectError.InvalidHeader, error.Code);
        Assert.Contains("content.subject", error.Message);
    }

    [Fact]
    public void Error_messages_echo_client_text_without_its_control_characters()
    {
        var body = Valid();
        body["envelope_sender"] = "bad\r\naddress";
        var error = InjectJson.Refusal(body);
        Assert.DoesNotContain('\r', error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
