namespace ActorMTA.Server.Delivery;

/// <summary>A fixed next hop from actormta.delivery.routes ("host:port"; host may be a name or an IP address).</summary>
public sealed record SmtpRoute(string Host, int Port)
{
    /// <summary>"host", "host:port", "1.2.3.4:25" or "[::1]:25"; a missing port means <paramref name="defaultPort"/>.</summary>
    public static SmtpRoute Parse(string value, int defaultPort)
    {
        var text = value.Trim();
        if (text.Length == 0) throw new FormatException("empty route");
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new FormatException($"route '{value}': missing ']'");
            var host = text[1..close];
            var rest = text[(close + 1)..];
            return new SmtpRoute(host, rest.Length == 0 ? defaultPort : ParsePort(rest.TrimStart(':'), value));
        }
        var colon = text.LastIndexOf(':');
        if (colon < 0 || text.IndexOf(':') != colon) return new SmtpRoute(text, defaultPort);
        return new SmtpRoute(text[..colon], ParsePort(text[(colon + 1)..], value));
    }

    private static int ParsePort(string port, string value) =>
        int.TryParse(port, out var p) && p is > 0 and <= 65535 ? p : throw new FormatException($"route '{value}': bad port '{port}'");

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
