using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Protocol.Http.Inject;
using MimeKit;
using Xunit;

namespace ActorMTA.Protocol.Tests.Http.Inject;

public class InjectMessageBuilderTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.Zero));

    private static List<InjectOutcome> Generate(JsonNode body, InjectOptions? options = null)
    {
        options ??= new InjectOptions();
        using var request = InjectJson.Parse(body, options);
        Assert.True(InjectMessageBuilder.TryCreate(request, options, "mta.sender.example", Clock, out var builder, out var error), error?.Message);
        return builder.Build().ToList();
    }

    private static MimeMessage Parsed(InjectOutcome outcome)
    {
        Assert.True(outcome.Succeeded, outcome.Failure);
        return MimeMessage.Load(new MemoryStream(outcome.Message.ToArray()));
    }

    // A single-part body read back ends in the line end that closes the message; MimeKit gives text with LF.
    private static string BodyText(string? text) => text!.Replace("\r\n", "\n").TrimEnd('\n');

    private static void AssertCrlfOnly(ReadOnlyMemory<byte> message)
    {
        var bytes = message.Span;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n') Assert.True(i > 0 && bytes[i - 1] == '\r', $"bare LF at {i}");
            if (bytes[i] == '\r') Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at {i}");
        }
    }

    private static void AssertSevenBit(ReadOnlyMemory<byte> message)
    {
        Assert.True(message.Span.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0, "the message has 8-bit octets");
    }

    [Fact]
    public void Raw_message_goes_to_every_recipient_byte_for_byte_without_substitution()
    {
        const string raw = "From: Sender <s@sender.example>\r\nTo: list@sender.example\r\nSubject: {{ name }} stays\r\n\r\nBody {{ code }}\r\n";
        var body = new JsonObject
        {
            ["envelope_sender"] = "s@sender.example",
            ["content"] = raw,
            ["substitutions"] = new JsonObject { ["code"] = "X" },
            ["recipients"] = new JsonArray(
                InjectJson.Recipient("a@example.com", "A", new JsonObject { ["name"] = "Z" }),
                InjectJson.Recipient("b@example.org")),
        };

        var outcomes = Generate(body);

        Assert.Equal(["a@example.com", "b@example.org"], outcomes.Select(o => o.Recipient.Email));
        foreach (var outcome in outcomes)
        {
            Assert.True(outcome.Succeeded);
            Assert.Equal(Encoding.UTF8.GetBytes(raw), outcome.Message.ToArray());
        }
    }

    [Fact]
    public void Assembled_message_with_attachment_has_every_header_and_part()
    {
        var pdf = new byte[3000];
        new Random(7).NextBytes(pdf);
        var body = InjectJson.Assembled(InjectJson.Recipient("alice@example.com", "Alice Älvdal", new JsonObject { ["code"] = "A-1" }));
        body["content"]!["reply_to"] = new JsonObject { ["email"] = "help@sender.example", ["name"] = "Help" };
        body["content"]!["subject"] = "Grüße, {{ name }}";
        body["content"]!["html_body"] = "<p>Dear {{ name }}, code <b>{{ code }}</b></p>";
        body["content"]!["headers"] = new JsonObject { ["X-Campaign"] = "spring {{ code }}", ["List-Unsubscribe"] = "<mailto:unsub@sender.example?subject={{ email }}>" };
        body["content"]!["attachments"] = new JsonArray(new JsonObject
        {
            ["content_type"] = "application/pdf",
            ["file_name"] = "invoice.pdf",
            ["data"] = Convert.ToBase64String(pdf),
        });

        var outcome = Assert.Single(Generate(body));
        AssertCrlfOnly(outcome.Message);
        AssertSevenBit(outcome.Message);
        var message = Parsed(outcome);

        Assert.Equal("\"Sender News\" <news@sender.example>", message.From.ToString());
        var to = Assert.IsType<MailboxAddress>(Assert.Single(message.To));
        Assert.Equal(("Alice Älvdal", "alice@example.com"), (to.Name, to.Address));
        Assert.Equal("help@sender.example", Assert.IsType<MailboxAddress>(Assert.Single(message.ReplyTo)).Address);
        Assert.Equal("Grüße, Alice Älvdal", message.Subject);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.Zero), message.Date);
        Assert.EndsWith("@mta.sender.example", message.MessageId!);
        Assert.Equal("1.0", message.Headers[HeaderId.MimeVersion]);
        Assert.Equal("spring A-1", message.Headers["X-Campaign"]);
        Assert.Equal("<mailto:unsub@sender.example?subject=alice@example.com>", message.Headers["List-Unsubscribe"]);

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal(2, mixed.Count);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        var text = Assert.IsType<TextPart>(alternative[0]);
        var html = Assert.IsType<TextPart>(alternative[1]);
        Assert.True(text.IsPlain);
        Assert.Equal("Dear Alice Älvdal,\nyour code is A-1.\n", text.Text.Replace("\r\n", "\n"));
        Assert.True(html.IsHtml);
        Assert.Equal("<p>Dear Alice Älvdal, code <b>A-1</b></p>", html.Text);
        var attachment = Assert.IsType<MimePart>(mixed[1]);
        Assert.True(attachment.IsAttachment);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        Assert.Equal("invoice.pdf", attachment.FileName);
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
        using var decoded = new MemoryStream();
        attachment.Content!.DecodeTo(decoded);
        Assert.Equal(pdf, decoded.ToArray());
    }

    [Fact]
    public void Text_only_and_html_only_bodies_are_single_parts()
    {
        var textOnly = Assert.Single(Generate(InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A"))));
        var textPart = Assert.IsType<TextPart>(Parsed(textOnly).Body);
        Assert.Equal("text/plain", textPart.ContentType.MimeType);

        var body = InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A"));
        body["content"]!.AsObject().Remove("text_body");
        body["content"]!["html_body"] = "<p>{{ name }}</p>";
        var htmlPart = Assert.IsType<TextPart>(Parsed(Assert.Single(Generate(body))).Body);
        Assert.Equal("text/html", htmlPart.ContentType.MimeType);
        Assert.Equal("<p>A</p>", BodyText(htmlPart.Text));
    }

    [Fact]
    public void Thousand_recipients_each_get_their_own_substitutions()
    {
        var body = InjectJson.Assembled();
        body["substitutions"] = new JsonObject { ["code"] = "GLOBAL", ["brand"] = "Acme" };
        body["content"]!["subject"] = "{{ brand }} for {{ name }} #{{ n }}";
        body["content"]!["text_body"] = "Hello {{ name }} <{{ email }}>, code {{ code }}, item {{ items[1] }}.";
        body["content"]!["html_body"] = "<p>{{ name }}: {{ code }}</p>";
        for (var i = 0; i < 1000; i++)
        {
            var substitutions = new JsonObject { ["n"] = i, ["items"] = new JsonArray("first", $"second-{i}") };
            // Every third recipient overrides the global code; the rest must see the global one.
            if (i % 3 == 0) substitutions["code"] = $"OWN-{i}";
            body["recipients"]!.AsArray().Add(InjectJson.Recipient($"user{i}@example{i % 7}.com", $"User <{i}> & Co", substitutions));
        }

        var outcomes = Generate(body);

        Assert.Equal(1000, outcomes.Count);
        var messageIds = new HashSet<string>();
        for (var i = 0; i < 1000; i++)
        {
            var outcome = outcomes[i];
            Assert.Equal($"user{i}@example{i % 7}.com", outcome.Recipient.Email);
            AssertCrlfOnly(outcome.Message);
            var message = Parsed(outcome);
            var code = i % 3 == 0 ? $"OWN-{i}" : "GLOBAL";
            var to = Assert.IsType<MailboxAddress>(Assert.Single(message.To));
            Assert.Equal(($"User <{i}> & Co", outcome.Recipient.Email), (to.Name, to.Address));
            Assert.Equal($"Acme for User <{i}> & Co #{i}", message.Subject);
            Assert.Equal($"Hello User <{i}> & Co <{outcome.Recipient.Email}>, code {code}, item second-{i}.", message.TextBody);
            // Only the HTML body is HTML-encoded.
            Assert.Equal($"<p>User &lt;{i}&gt; &amp; Co: {code}</p>", message.HtmlBody);
            Assert.True(messageIds.Add(message.MessageId!));
        }
    }

    [Fact]
    public void Generation_is_lazy_one_recipient_at_a_time()
    {
        var body = InjectJson.Assembled();
        body["content"]!["text_body"] = "{{ 10 | divided_by: d }}";
        body["recipients"]!.AsArray().Add(InjectJson.Recipient("ok@example.com", substitutions: new JsonObject { ["d"] = 2 }));
        for (var i = 0; i < 10_000; i++) body["recipients"]!.AsArray().Add(InjectJson.Recipient($"r{i}@example.com", substitutions: new JsonObject { ["d"] = 0 }));
        var options = new InjectOptions { MaxRecipients = 20_000 };
        using var request = InjectJson.Parse(body, options);
        Assert.True(InjectMessageBuilder.TryCreate(request, options, "mta.sender.example", Clock, out var builder, out _));

        using var outcomes = builder.Build().GetEnumerator();
        Assert.True(outcomes.MoveNext());
        // The first message exists although the 10,000 after it, which would fail, have not been rendered yet.
        Assert.True(outcomes.Current.Succeeded);
        Assert.Equal("5", BodyText(Parsed(outcomes.Current).TextBody));
        Assert.True(outcomes.MoveNext());
        Assert.False(outcomes.Current.Succeeded);
    }

    [Fact]
    public void A_filter_error_fails_only_its_recipient()
    {
        var body = InjectJson.Assembled(
            InjectJson.Recipient("a@example.com", "A", new JsonObject { ["code"] = "1", ["d"] = 4 }),
            InjectJson.Recipient("b@example.com", "B", new JsonObject { ["code"] = "2", ["d"] = 0 }),
            InjectJson.Recipient("c@example.com", "C", new JsonObject { ["code"] = "3", ["d"] = 5 }));
        body["content"]!["text_body"] = "{{ name }}: {{ 20 | divided_by: d }}";

        var outcomes = Generate(body);

        Assert.Equal([true, false, true], outcomes.Select(o => o.Succeeded));
        Assert.Equal("A: 5", BodyText(Parsed(outcomes[0]).TextBody));
        Assert.Equal("C: 4", BodyText(Parsed(outcomes[2]).TextBody));
        Assert.Equal("b@example.com", outcomes[1].Recipient.Email);
        Assert.Contains("divided by 0", outcomes[1].Failure);
        Assert.True(outcomes[1].Message.IsEmpty);
    }

    [Fact]
    public void In_strict_mode_a_missing_variable_fails_only_its_recipient()
    {
        var body = InjectJson.Assembled(
            InjectJson.Recipient("a@example.com", "A", new JsonObject { ["code"] = "1" }),
            InjectJson.Recipient("b@example.com", "B"));

        var strict = Generate(body, new InjectOptions { StrictVariables = true });
        Assert.True(strict[0].Succeeded);
        Assert.False(strict[1].Succeeded);
        Assert.Contains("code", strict[1].Failure);

        // Without strict mode the same request renders the missing variable as nothing.
        var lenient = Generate(body);
        Assert.Equal("Dear B,\nyour code is .", BodyText(Parsed(lenient[1]).TextBody));
    }

    [Theory]
    [InlineData("subject", "Hi {{ name }}")]
    [InlineData("header", "{{ name }}")]
    public void A_substitution_that_would_inject_a_header_fails_its_recipient(string field, string template)
    {
        var body = InjectJson.Assembled(
            InjectJson.Recipient("good@example.com", "Good"),
            InjectJson.Recipient("evil@example.com", "x\r\nBcc: victim@example.com".Replace("\r\n", " "), new JsonObject { ["name"] = "x\r\nBcc: victim@example.com" }));
        if (field == "subject") body["content"]!["subject"] = template;
        else body["content"]!["headers"] = new JsonObject { ["X-Name"] = template };

        var outcomes = Generate(body);

        Assert.True(outcomes[0].Succeeded);
        Assert.False(outcomes[1].Succeeded);
        Assert.Contains("line break", outcomes[1].Failure);
        Assert.DoesNotContain(outcomes, o => Encoding.ASCII.GetString(o.Message.Span).Contains("Bcc:", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_line_break_in_a_body_substitution_is_just_text()
    {
        var body = InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A", new JsonObject { ["code"] = "1\r\n\r\n.\r\nMAIL FROM:<x@evil.example>" }));
        var outcome = Assert.Single(Generate(body));
        AssertCrlfOnly(outcome.Message);
        Assert.Contains("MAIL FROM:<x@evil.example>", Parsed(outcome).TextBody);
    }

    [Fact]
    public void Include_cannot_read_files()
    {
        var body = InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A"));
        body["content"]!["text_body"] = "{% include '/etc/passwd' %}";
        var outcome = Assert.Single(Generate(body));
        Assert.False(outcome.Succeeded);
        Assert.Contains("not available", outcome.Failure);
    }

    [Fact]
    public void A_runaway_loop_fails_its_recipient_at_the_step_limit()
    {
        var body = InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A"));
        body["content"]!["text_body"] = "{% for i in (1..100000000) %}x{% endfor %}";
        var outcome = Assert.Single(Generate(body, new InjectOptions { MaxTemplateSteps = 1000 }));
        Assert.False(outcome.Succeeded);
    }

    [Theory]
    [InlineData("subject", "Hi {{ name ")]
    [InlineData("text_body", "{% if code %}no end")]
    [InlineData("html_body", "{{ name | }}")]
    public void A_template_that_does_not_parse_refuses_the_whole_request(string field, string template)
    {
        var body = InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A"));
        body["content"]![field] = template;
        var options = new InjectOptions();
        using var request = InjectJson.Parse(body, options);

        Assert.False(InjectMessageBuilder.TryCreate(request, options, "mta.sender.example", Clock, out var builder, out var error));

        Assert.Null(builder);
        Assert.Equal((400, InjectError.InvalidTemplate), (error.Status, error.Code));
        Assert.StartsWith($"content.{field} is not a valid Liquid template: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_header_template_that_does_not_parse_names_the_header()
    {
        var body = InjectJson.Assembled(InjectJson.Recipient("a@example.com", "A"));
        body["content"]!["headers"] = new JsonObject { ["X-Tag"] = "{% bogus %}" };
        var options = new InjectOptions();
        using var request = InjectJson.Parse(body, options);
        Assert.False(InjectMessageBuilder.TryCreate(request, options, "mta.sender.example", Clock, out _, out var error));
        Assert.Contains("content.headers.X-Tag", error.Message);
    }
}
