using System.Text.Json;

namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// Reads the JSON of Rspamd's <c>/checkv2</c> reply into a <see cref="RspamdScan"/>. Fields beyond the action and
/// score are optional in Rspamd's protocol (and vary across versions), so their absence is not an error; a reply
/// without an action, or with an <c>error</c> instead, is, because no verdict can be taken from it.
/// </summary>
public static class RspamdReply
{
    /// <exception cref="JsonException">Malformed JSON, or no usable verdict in it.</exception>
    public static RspamdScan Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Read(document.RootElement);
    }

    /// <exception cref="JsonException">Malformed JSON, or no usable verdict in it.</exception>
    public static RspamdScan Parse(ReadOnlyMemory<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json);
        return Read(document.RootElement);
    }

    /// <summary>Maps Rspamd's action names; both the spaced form of the protocol and the underscored form of its
    /// configuration are accepted, since proxies and older versions have used either.</summary>
    public static RspamdAction ParseAction(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "no action" or "no_action" => RspamdAction.NoAction,
        "greylist" => RspamdAction.Greylist,
        "add header" or "add_header" => RspamdAction.AddHeader,
        "rewrite subject" or "rewrite_subject" => RspamdAction.RewriteSubject,
        "soft reject" or "soft_reject" => RspamdAction.SoftReject,
        "reject" => RspamdAction.Reject,
        _ => RspamdAction.Unknown,
    };

    private static RspamdScan Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new JsonException($"Rspamd reply is a JSON {root.ValueKind}, not an object");
        if (!root.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            if (root.TryGetProperty("error", out var error))
                throw new JsonException("Rspamd error: " + (error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText()));
            throw new JsonException("Rspamd reply has no action");
        }

        var actionName = action.GetString();
        string? smtpMessage = null;
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Object)
            smtpMessage = OptionalString(messages, "smtp_message");

        var (addHeaders, removeHeaders) = ReadMilter(root);
        return new RspamdScan
        {
            Action = ParseAction(actionName),
            ActionName = actionName,
            Score = OptionalNumber(root, "score"),
            RequiredScore = OptionalNumber(root, "required_score"),
            Symbols = ReadSymbols(root),
            Subject = OptionalString(root, "subject"),
            SmtpMessage = smtpMessage,
            AddHeaders = addHeaders,
            RemoveHeaders = removeHeaders,
            MessageId = OptionalString(root, "message-id"),
            StoppedEarly = root.TryGetProperty("is_skipped", out var skipped) && skipped.ValueKind == JsonValueKind.True,
        };
    }

    private static Dictionary<string, RspamdSymbol> ReadSymbols(JsonElement root)
    {
        var symbols = new Dictionary<string, RspamdSymbol>(StringComparer.Ordinal);
        if (!root.TryGetProperty("symbols", out var element) || element.ValueKind != JsonValueKind.Object)
            return symbols;
        foreach (var property in element.EnumerateObject())
        {
            var symbol = property.Value;
            if (symbol.ValueKind != JsonValueKind.Object)
                continue;
            var options = new List<string>();
            if (symbol.TryGetProperty("options", out var optionArray) && optionArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var option in optionArray.EnumerateArray())
                    options.Add(option.ValueKind == JsonValueKind.String ? option.GetString()! : option.GetRawText());
            }
            var name = OptionalString(symbol, "name") ?? property.Name;
            symbols[name] = new RspamdSymbol(name, OptionalNumber(symbol, "score"), options, OptionalString(symbol, "description"));
        }
        return symbols;
    }

    private static (IReadOnlyList<RspamdHeader> Add, IReadOnlyDictionary<string, int> Remove) ReadMilter(JsonElement root)
    {
        var add = new List<RspamdHeader>();
        var remove = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (!root.TryGetProperty("milter", out var milter) || milter.ValueKind != JsonValueKind.Object)
            return (add, remove);

        if (milter.TryGetProperty("add_headers", out var adds) && adds.ValueKind == JsonValueKind.Object)
        {
            // Each value is a plain string, a {value, order} object, or an array of either (several instances).
            foreach (var header in adds.EnumerateObject())
            {
                if (header.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in header.Value.EnumerateArray())
                        AddHeader(add, header.Name, item);
                }
                else
                {
                    AddHeader(add, header.Name, header.Value);
                }
            }
        }

        if (milter.TryGetProperty("remove_headers", out var removes) && removes.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in removes.EnumerateObject())
                remove[header.Name] = header.Value.ValueKind == JsonValueKind.Number && header.Value.TryGetInt32(out var order) ? order : 0;
        }
        return (add, remove);
    }

    private static void AddHeader(List<RspamdHeader> headers, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                headers.Add(new RspamdHeader(name, value.GetString()!, null));
                break;
            case JsonValueKind.Object when OptionalString(value, "value") is { } text:
                int? order = value.TryGetProperty("order", out var o) && o.ValueKind == JsonValueKind.Number && o.TryGetInt32(out var n) ? n : null;
                headers.Add(new RspamdHeader(name, text, order));
                break;
        }
    }

    private static string? OptionalString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double OptionalNumber(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;
}
