using System.Text.Json;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// Turns a JSON <c>substitutions</c> object into plain values (string, decimal, bool, null, lists and
/// dictionaries) that Liquid reads, so that nothing holds on to the request's JSON document.
/// </summary>
public static class InjectSubstitutions
{
    public static IReadOnlyDictionary<string, object?> FromJson(JsonElement substitutions)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in substitutions.EnumerateObject())
        {
            values[property.Name] = ValueOf(property.Value);
        }
        return values;
    }

    private static object? ValueOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetDecimal(out var number) ? number : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Object => FromJson(value),
        JsonValueKind.Array => value.EnumerateArray().Select(ValueOf).ToList(),
        _ => null,
    };
}
