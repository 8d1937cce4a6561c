using System.Text.Json;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// Why a whole injection request is refused: the HTTP status, a machine code a client can switch on and a
/// message for the person reading it. Nothing of a refused request is injected.
/// </summary>
public sealed record InjectError(int Status, string Code, string Message)
{
    public const string InvalidJson = "invalid_json";
    public const string MissingField = "missing_field";
    public const string InvalidField = "invalid_field";
    public const string InvalidAddress = "invalid_address";
    public const string InvalidHeader = "invalid_header";
    public const string InvalidBase64 = "invalid_base64";
    public const string InvalidTemplate = "invalid_template";
    public const string NoRecipients = "no_recipients";
    public const string TooManyRecipients = "too_many_recipients";

    public static InjectError BadRequest(string code, string message) => new(400, code, message);

    /// <summary>The body of the HTTP reply: <c>{"error":{"code":...,"message":...}}</c>.</summary>
    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", Code);
            writer.WriteString("message", Message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
