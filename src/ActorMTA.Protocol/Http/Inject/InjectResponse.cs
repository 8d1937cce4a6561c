using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// The reply to an accepted injection request. <see cref="SuccessCount"/> counts only messages that are
/// durably committed; every other recipient is in <see cref="FailedRecipients"/> with its reason in
/// <see cref="Errors"/> (keyed by address, so a recipient listed twice shows its last reason).
/// </summary>
public sealed record InjectResponse(
    int SuccessCount,
    int FailCount,
    IReadOnlyList<string> FailedRecipients,
    IReadOnlyDictionary<string, string> Errors)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Addresses are dictionary keys here; the naming policy must not rewrite them.
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static InjectResponse FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<InjectResponse>(json, Json) ?? throw new JsonException("The reply is JSON null.");
}
