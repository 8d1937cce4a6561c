using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using MimeKit;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// The body of <c>POST /api/inject/v1</c>, checked as a whole before anything is injected: every field and
/// every recipient is validated by <see cref="TryParse"/>, so a request is refused whole or taken whole.
/// The recipients stay in the parsed JSON document and become <see cref="InjectRecipient"/>s only as
/// <see cref="Recipients"/> is enumerated, so a 10,000-recipient request holds its body once, not a second
/// copy as objects. Dispose it when the last recipient has been read.
/// </summary>
public sealed class InjectRequest : IDisposable
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 32,
        // Two "recipients" keys could make a proxy that validates the first and ActorMTA that sends the last
        // disagree on what the request means.
        AllowDuplicateProperties = false,
    };

    private readonly JsonDocument _document;
    private readonly JsonElement _recipients;

    private InjectRequest(
        JsonDocument document, string envelopeSender, InjectContent content, JsonElement recipients,
        IReadOnlyDictionary<string, object?> substitutions, string? pool, string? tenant, string? campaign)
    {
        _document = document;
        EnvelopeSender = envelopeSender;
        Content = content;
        _recipients = recipients;
        RecipientCount = recipients.GetArrayLength();
        Substitutions = substitutions;
        Pool = pool;
        Tenant = tenant;
        Campaign = campaign;
    }

    /// <summary>The reverse-path (MAIL FROM) of every message of the request.</summary>
    public string EnvelopeSender { get; }

    public InjectContent Content { get; }

    public int RecipientCount { get; }

    /// <summary>Global substitutions; a recipient's own substitutions override these.</summary>
    public IReadOnlyDictionary<string, object?> Substitutions { get; }

    /// <summary>Egress pool to send through; null leaves the choice to the sender-domain rules.</summary>
    public string? Pool { get; }

    public string? Tenant { get; }

    public string? Campaign { get; }

    /// <summary>The recipients in request order, each made when it is reached.</summary>
    public IEnumerable<InjectRecipient> Recipients
    {
        get
        {
            foreach (var element in _recipients.EnumerateArray())
            {
                // TryParse has checked every element, so these cannot fail.
                InjectAddress.TryParseEmail(element.GetProperty("email").GetString()!, out var email);
                var name = element.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String
                    ? nameElement.GetString()
                    : null;
                var substitutions = element.TryGetProperty("substitutions", out var own) && own.ValueKind == JsonValueKind.Object
                    ? InjectSubstitutions.FromJson(own)
                    : InjectRecipient.NoSubstitutions;
                yield return new InjectRecipient(email, string.IsNullOrEmpty(name) ? null : name, substitutions);
            }
        }
    }

    /// <summary>
    /// Parses and validates <paramref name="body"/>. The request reads <paramref name="body"/> in place:
    /// the caller keeps that memory unchanged until the request is disposed.
    /// </summary>
    public static bool TryParse(
        ReadOnlyMemory<byte> body, InjectOptions options,
        [NotNullWhen(true)] out InjectRequest? request, [NotNullWhen(false)] out InjectError? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        request = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            error = InjectError.BadRequest(InjectError.InvalidJson, $"The body is not valid JSON: {e.Message}");
            return false;
        }
        try
        {
            request = Validate(document, options);
            error = null;
            return true;
        }
        catch (RefusedException refused)
        {
            document.Dispose();
            error = refused.Error;
            return false;
        }
    }

    public void Dispose() => _document.Dispose();

    private static InjectRequest Validate(JsonDocument document, InjectOptions options)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw Refuse(InjectError.InvalidJson, "The body must be a JSON object.");

        var senderText = RequiredString(root, "envelope_sender");
        if (!InjectAddress.TryParseEmail(senderText, out var sender))
        {
            throw Refuse(InjectError.InvalidAddress, $"envelope_sender '{Shown(senderText)}' is not an address of the form local@domain.");
        }

        if (!root.TryGetProperty("content", out var contentElement) || contentElement.ValueKind == JsonValueKind.Null)
        {
            throw Refuse(InjectError.MissingField, "content is required.");
        }
        InjectContent content = contentElement.ValueKind switch
        {
            JsonValueKind.String => RawContent(contentElement.GetString()!),
            JsonValueKind.Object => AssembledContent(contentElement),
            _ => throw Refuse(InjectError.InvalidField, "content must be a string (a complete message) or an object."),
        };

        if (!root.TryGetProperty("recipients", out var recipients) || recipients.ValueKind == JsonValueKind.Null)
        {
            throw Refuse(InjectError.NoRecipients, "recipients is required and must list at least one recipient.");
        }
        if (recipients.ValueKind != JsonValueKind.Array) throw Refuse(InjectError.InvalidField, "recipients must be an array.");
        var count = recipients.GetArrayLength();
        if (count == 0) throw Refuse(InjectError.NoRecipients, "recipients must list at least one recipient.");
        if (count > options.MaxRecipients)
        {
            throw Refuse(InjectError.TooManyRecipients, $"A request may have at most {options.MaxRecipients} recipients; this one has {count}.");
        }
        var index = 0;
        foreach (var recipient in recipients.EnumerateArray())
        {
            ValidateRecipient(recipient, index++);
        }

        var substitutions = OptionalObject(root, "substitutions") is { } global
            ? InjectSubstitutions.FromJson(global)
            : InjectRecipient.NoSubstitutions;

        return new InjectRequest(
            document, sender, content, recipients, substitutions,
            OptionalTag(root, "pool"), OptionalTag(root, "tenant"), OptionalTag(root, "campaign"));
    }

    private static void ValidateRecipient(JsonElement recipient, int index)
    {
        if (recipient.ValueKind != JsonValueKind.Object) throw Refuse(InjectError.InvalidField, $"recipients[{index}] must be an object.");
        var email = RequiredString(recipient, "email", $"recipients[{index}].email");
        if (!InjectAddress.TryParseEmail(email, out _))
        {
            throw Refuse(InjectError.InvalidAddress, $"recipients[{index}].email '{Shown(email)}' is not an address of the form local@domain.");
        }
        var name = OptionalString(recipient, "name", $"recipients[{index}].name");
        if (name is not null && !InjectAddress.IsValidName(name))
        {
            throw Refuse(InjectError.InvalidField, $"recipients[{index}].name must not contain line breaks or control characters.");
        }
        OptionalObject(recipient, "substitutions", $"recipients[{index}].substitutions");
    }

    private static InjectRawContent RawContent(string message)
    {
        if (message.Length == 0) throw Refuse(InjectError.InvalidField, "content must not be empty.");
        var firstLineEnd = message.AsSpan().IndexOfAny('\r', '\n');
        var firstLine = firstLineEnd < 0 ? message.AsSpan() : message.AsSpan(0, firstLineEnd);
        var colon = firstLine.IndexOf(':');
        // A message starts with its header section; a body without headers would go out with no From.
        if (colon <= 0 || !InjectHeaderField.IsValidName(firstLine[..colon].ToString()))
        {
            throw Refuse(InjectError.InvalidField, "content as a string must be a complete RFC 5322 message, beginning with a header field.");
        }
        return new InjectRawContent(WithCrlf(message));
    }

    private static InjectAssembledContent AssembledContent(JsonElement content)
    {
        var from = Mailbox(content, "from", required: true)!;
        var replyTo = Mailbox(content, "reply_to", required: false);
        var subject = OptionalString(content, "subject", "content.subject") ?? "";
        if (!InjectHeaderField.IsValidValue(subject))
        {
            throw Refuse(InjectError.InvalidHeader, "content.subject must not contain line breaks or control characters.");
        }
        var text = OptionalString(content, "text_body", "content.text_body");
        var html = OptionalString(content, "html_body", "content.html_body");
        if (text is null && html is null) throw Refuse(InjectError.MissingField, "content needs text_body, html_body or both.");

        var headers = new List<KeyValuePair<string, string>>();
        if (OptionalObject(content, "headers", "content.headers") is { } headerObject)
        {
            foreach (var header in headerObject.EnumerateObject())
            {
                if (!InjectHeaderField.IsValidName(header.Name))
                {
                    throw Refuse(InjectError.InvalidHeader, $"'{Shown(header.Name)}' is not a valid header name (printable ASCII, no ':' or space).");
                }
                if (InjectHeaderField.IsReserved(header.Name))
                {
                    throw Refuse(InjectError.InvalidHeader, $"{header.Name} is set from the request's own fields and cannot be given in headers.");
                }
                if (header.Value.ValueKind != JsonValueKind.String)
                {
                    throw Refuse(InjectError.InvalidHeader, $"The value of header {header.Name} must be a string.");
                }
                var value = header.Value.GetString()!;
                if (!InjectHeaderField.IsValidValue(value))
                {
                    throw Refuse(InjectError.InvalidHeader, $"The value of header {header.Name} must not contain line breaks or control characters.");
                }
                headers.Add(new(header.Name, value));
            }
        }

        var attachments = new List<InjectAttachment>();
        if (content.TryGetProperty("attachments", out var attachmentArray) && attachmentArray.ValueKind != JsonValueKind.Null)
        {
            if (attachmentArray.ValueKind != JsonValueKind.Array) throw Refuse(InjectError.InvalidField, "content.attachments must be an array.");
            var index = 0;
            foreach (var attachment in attachmentArray.EnumerateArray())
            {
                attachments.Add(Attachment(attachment, index++));
            }
        }
        return new InjectAssembledContent(from, replyTo, subject, text, html, headers, attachments);
    }

    private static InjectAttachment Attachment(JsonElement attachment, int index)
    {
        var at = $"content.attachments[{index}]";
        if (attachment.ValueKind != JsonValueKind.Object) throw Refuse(InjectError.InvalidField, $"{at} must be an object.");
        var contentType = RequiredString(attachment, "content_type", $"{at}.content_type");
        if (!ContentType.TryParse(contentType, out var parsedType) || HasLineBreak(contentType) || parsedType.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase))
        {
            throw Refuse(InjectError.InvalidField, $"{at}.content_type '{Shown(contentType)}' is not a media type such as application/pdf.");
        }
        var fileName = RequiredString(attachment, "file_name", $"{at}.file_name");
        if (fileName.Length == 0 || !InjectHeaderField.IsValidValue(fileName))
        {
            throw Refuse(InjectError.InvalidField, $"{at}.file_name must be a non-empty name without control characters.");
        }
        var data = RequiredString(attachment, "data", $"{at}.data");
        var bytes = new byte[data.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(data, bytes, out var length))
        {
            throw Refuse(InjectError.InvalidBase64, $"{at}.data is not valid base64.");
        }
        return new InjectAttachment(parsedType.MimeType, fileName, bytes.AsMemory(0, length));
    }

    private static InjectAddress? Mailbox(JsonElement content, string field, bool required)
    {
        var at = $"content.{field}";
        if (!content.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return required ? throw Refuse(InjectError.MissingField, $"{at} is required.") : null;
        }
        string text;
        string? name = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                text = element.GetString()!;
                break;
            case JsonValueKind.Object:
                text = RequiredString(element, "email", $"{at}.email");
                name = OptionalString(element, "name", $"{at}.name");
                if (!InjectAddress.TryParseEmail(text, out _)) throw Refuse(InjectError.InvalidAddress, $"{at}.email '{Shown(text)}' is not an address of the form local@domain.");
                break;
            default:
                throw Refuse(InjectError.InvalidField, $"{at} must be an address string or an object with email and name.");
        }
        if (!InjectAddress.TryParse(text, name, out var address))
        {
            throw Refuse(InjectError.InvalidAddress, $"{at} '{Shown(text)}' is not a mailbox such as user@example.com or Name <user@example.com>.");
        }
        return address;
    }

    private static string? OptionalTag(JsonElement root, string field)
    {
        var tag = OptionalString(root, field, field);
        if (tag is null) return null;
        // Tags end up in logs, headers and ctl tables: printable ASCII keeps all three safe.
        if (tag.Length is 0 or > 128 || tag.Any(c => c is < '!' or > '~'))
        {
            throw Refuse(InjectError.InvalidField, $"{field} must be 1-128 printable ASCII characters without spaces.");
        }
        return tag;
    }

    private static string RequiredString(JsonElement parent, string field, string? shownAs = null)
    {
        if (!parent.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw Refuse(InjectError.MissingField, $"{shownAs ?? field} is required.");
        }
        if (element.ValueKind != JsonValueKind.String) throw Refuse(InjectError.InvalidField, $"{shownAs ?? field} must be a string.");
        return element.GetString()!;
    }

    private static string? OptionalString(JsonElement parent, string field, string shownAs)
    {
        if (!parent.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind != JsonValueKind.String) throw Refuse(InjectError.InvalidField, $"{shownAs} must be a string.");
        return element.GetString();
    }

    private static JsonElement? OptionalObject(JsonElement parent, string field, string? shownAs = null)
    {
        if (!parent.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind != JsonValueKind.Object) throw Refuse(InjectError.InvalidField, $"{shownAs ?? field} must be an object.");
        return element;
    }

    // Line ends in a JSON string are whatever the client's editor wrote; on the wire and in the spool only CRLF
    // ends a line, and a bare CR or LF is what SMTP smuggling hides behind.
    private static ReadOnlyMemory<byte> WithCrlf(string message)
    {
        var text = new StringBuilder(message.Length + message.Length / 32);
        for (var i = 0; i < message.Length; i++)
        {
            var c = message[i];
            if (c == '\r')
            {
                text.Append("\r\n");
                if (i + 1 < message.Length && message[i + 1] == '\n') i++;
            }
            else if (c == '\n')
            {
                text.Append("\r\n");
            }
            else
            {
                text.Append(c);
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static bool HasLineBreak(string text) => text.AsSpan().IndexOfAny('\r', '\n') >= 0;

    // Echoing a client's text back is fine, but not at any length nor with its control characters.
    private static string Shown(string text)
    {
        var shown = new string(text.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 100 ? shown + "..." : shown;
    }

    private static RefusedException Refuse(string code, string message) => new(InjectError.BadRequest(code, message));

    // Validation runs several levels deep; an exception lets each level stop the whole request at once.
    private sealed class RefusedException(InjectError error) : Exception(error.Message)
    {
        public InjectError Error { get; } = error;
    }
}
