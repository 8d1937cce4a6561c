using System.Security.Cryptography;
using System.Text;

namespace ActorMTA.Server.Observability.Webhooks;

/// <summary>
/// The X-ActorMTA-Signature header of a webhook POST: "t=UNIX-SECONDS,v1=HEX" where HEX is the HMAC-SHA256, keyed with
/// the endpoint's secret, of "UNIX-SECONDS.BODY" (the scheme Stripe made common: the time stamp in the signed text lets
/// receivers refuse replays).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-ActorMTA-Signature";

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes($"{unixSeconds}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return $"t={unixSeconds},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }

    /// <summary>Whether <paramref name="header"/> is a valid signature of <paramref name="body"/> (compared in constant time).</summary>
    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var seconds) || !parts.ContainsKey("v1")) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, seconds, body)), Encoding.ASCII.GetBytes(header));
    }
}
