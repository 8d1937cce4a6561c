using System.Globalization;

namespace ActorMTA.Protocol.Imap;

/// <summary>
/// IMAP date formats (RFC 3501 section 9): date-time <c>dd-MMM-yyyy HH:mm:ss +zzzz</c> for INTERNALDATE
/// and APPEND, and date <c>d-MMM-yyyy</c> for SEARCH. Month names are English whatever the culture.
/// </summary>
public static class ImapDateTime
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>"17-Jul-1996 02:44:25 -0700" (without the quotes), seconds precision, in the value's own offset.</summary>
    public static string FormatInternalDate(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{value.Day:00}-{Months[value.Month - 1]}-{value.Year:0000} {value.Hour:00}:{value.Minute:00}:{value.Second:00} {sign}{abs.Hours:00}{abs.Minutes:00}");
    }

    /// <summary>"1-Feb-1994".</summary>
    public static string FormatDate(DateOnly date) =>
        string.Create(CultureInfo.InvariantCulture, $"{date.Day}-{Months[date.Month - 1]}-{date.Year:0000}");

    /// <summary>date-time of APPEND: day as " 7" or "07" (or "7"), month name in any case, numeric zone.</summary>
    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        value = default;
        var trimmed = text.StartsWith(' ') ? text[1..] : text;
        var parts = trimmed.Split(' ');
        if (parts.Length != 3) return false;
        if (!TryParseDate(parts[0], out var date)) return false;
        var time = parts[1].Split(':');
        if (time.Length != 3 || time.Any(t => t.Length != 2 || !t.All(char.IsAsciiDigit))) return false;
        int hour = int.Parse(time[0], CultureInfo.InvariantCulture), minute = int.Parse(time[1], CultureInfo.InvariantCulture),
            second = int.Parse(time[2], CultureInfo.InvariantCulture);
        if (hour > 23 || minute > 59 || second > 60) return false;
        var zone = parts[2];
        if (zone.Length != 5 || zone[0] is not ('+' or '-') || !zone[1..].All(char.IsAsciiDigit)) return false;
        var zoneHours = int.Parse(zone[1..3], CultureInfo.InvariantCulture);
        var zoneMinutes = int.Parse(zone[3..5], CultureInfo.InvariantCulture);
        if (zoneHours > 14 || zoneMinutes > 59) return false;
        var offset = new TimeSpan(zoneHours, zoneMinutes, 0);
        if (zone[0] == '-') offset = -offset;
        try
        {
            value = new DateTimeOffset(date.Year, date.Month, date.Day, hour, minute, Math.Min(second, 59), offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>date-text: 1*2DIGIT "-" month "-" 4DIGIT.</summary>
    public static bool TryParseDate(string text, out DateOnly date)
    {
        date = default;
        var parts = text.Split('-');
        if (parts.Length != 3) return false;
        if (parts[0].Length is < 1 or > 2 || !parts[0].All(char.IsAsciiDigit)) return false;
        var month = Array.FindIndex(Months, m => m.Equals(parts[1], StringComparison.OrdinalIgnoreCase));
        if (month < 0) return false;
        if (parts[2].Length != 4 || !parts[2].All(char.IsAsciiDigit)) return false;
        var day = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var year = int.Parse(parts[2], CultureInfo.InvariantCulture);
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month + 1)) return false;
        date = new DateOnly(year, month + 1, day);
        return true;
    }
}
