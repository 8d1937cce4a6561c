using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Protocol.Http.Inject;
using Xunit;

namespace ActorMTA.Protocol.Tests.Http.Inject;

/// <summary>Request bodies for the tests: a valid assembled request to start from, and parsing helpers.</summary>
internal static class InjectJson
{
    public static JsonObject Assembled(params JsonObject[] recipients) => new()
    {
        ["envelope_sender"] = "bounces@sender.example",
        ["content"] = new JsonObject
        {
            ["from"] = new JsonObject { ["email"] = "news@sender.example", ["name"] = "Sender News" },
            ["subject"] = "Hello {{ name }}",
            ["text_body"] = "Dear {{ name }},\nyour code is {{ code }}.\n",
        },
        ["recipients"] = new JsonArray(recipients.Select(r => (JsonNode)r).ToArray()),
    };

    public static JsonObject Recipient(string email, string? name = null, JsonObject? substitutions = null)
    {
        var recipient = new JsonObject { ["email"] = email };
        if (name is not null) recipient["name"] = name;
        if (substitutions is not null) recipient["substitutions"] = substitutions;
        return recipient;
    }

    public static byte[] Bytes(JsonNode body) => Encoding.UTF8.GetBytes(body.ToJsonString());

    public static InjectRequest Parse(JsonNode body, InjectOptions? options = null) => Parse(Bytes(body), options);

    public static InjectRequest Parse(byte[] body, InjectOptions? options = null)
    {
        Assert.True(InjectRequest.TryParse(body, options ?? new InjectOptions(), out var request, out var error), error?.Message);
        return request;
    }

    public static InjectError Refusal(string body, InjectOptions? options = null)
    {
        Assert.False(InjectRequest.TryParse(Encoding.UTF8.GetBytes(body), options ?? new InjectOptions(), out var request, out var error));
        Assert.Null(request);
        Assert.Equal(400, error.Status);
        return error;
    }

    public static InjectError Refusal(JsonNode body, InjectOptions? options = null) => Refusal(body.ToJsonString(), options);

    public static JsonObject Clone(JsonObject body) => JsonNode.Parse(body.ToJsonString())!.AsObject();
}
