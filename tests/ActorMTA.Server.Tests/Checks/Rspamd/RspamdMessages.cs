using System.Text;

namespace ActorMTA.Server.Tests.Checks.Rspamd;

/// <summary>Test messages. Each call gets a fresh Message-ID, since Rspamd remembers learned messages by it.</summary>
internal static class RspamdMessages
{
    public const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    // Rspamd only matches the pattern as a whole line: without the final line break it is ordinary text.
    public static MemoryStream GtubeMessage() => Message("Alice <alice@example.org>", "Bob <bob@example.net>", "test", Gtube + "\r\n");

    public static MemoryStream CleanMessage() => Message(
        "Alice <alice@example.org>", "Bob <bob@example.net>", "Lunch tomorrow",
        "Hi Bob,\r\n\r\nshall we meet for lunch tomorrow at noon near the station? The new place on the corner\r\n"
        + "has a quiet room upstairs, so we can go through the project plan as well.\r\n\r\nAlice\r\n");

    public static MemoryStream SpammyMessage() => Message(
        "Winner <promo@lottery.example>", "bob@example.net", "You have won a prize claim now",
        "Congratulations dear friend, you have been selected as the lucky winner of our\r\n"
        + "international lottery draw. Claim your cash prize today by sending your bank\r\n"
        + "details and a small processing fee to our agent. This offer expires soon, act now\r\n"
        + "and do not miss this unique opportunity to become rich overnight.\r\n");

    public static MemoryStream Message(string from, string to, string subject, string body)
    {
        var text = $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n"
                   + $"Message-ID: <{Guid.NewGuid():N}@example.org>\r\n"
                   + $"Date: {DateTimeOffset.UtcNow:ddd, dd MMM yyyy HH:mm:ss} +0000\r\n"
                   + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body;
        return new MemoryStream(Encoding.UTF8.GetBytes(text));
    }
}
