using System.Text;

namespace ActorMTA.Integration.Tests.Harness;

/// <summary>Looks at a message as POP3 returned it or a relay received it: the server's trace fields, then the client's bytes.</summary>
public static class StoredMessage
{
    /// <summary>
    /// Splits off the leading Received: field (its first line and folded continuation lines) of relayed content.
    /// Throws when the message does not begin with one: every accepted message must get it.
    /// </summary>
    public static (string Received, byte[] Message) SplitReceived(byte[] stored)
    {
        if (!stored.AsSpan().StartsWith("Received: "u8))
            throw new InvalidOperationException($"stored message does not begin with a Received: field:\n{Preview(stored)}");
        var position = 0;
        do
        {
            var lf = stored.AsSpan(position).IndexOf((byte)'\n');
            if (lf < 0) throw new InvalidOperationException("stored message is only a Received: field");
            position += lf + 1;
        } while (position < stored.Length && stored[position] is (byte)' ' or (byte)'\t');
        return (Encoding.UTF8.GetString(stored, 0, position), stored[position..]);
    }

    /// <summary>
    /// A message as a mailbox holds it: the Return-Path: line (RFC 5321 section 4.4), our Received: field,
    /// then the client's bytes. Throws when it does not begin with both.
    /// </summary>
    public static (string ReturnPath, string Received, byte[] Message) SplitTrace(byte[] stored)
    {
        if (!stored.AsSpan().StartsWith("Return-Path: "u8))
            throw new InvalidOperationException($"stored message does not begin with a Return-Path: field:\n{Preview(stored)}");
        var lf = stored.AsSpan().IndexOf((byte)'\n');
        var (received, message) = SplitReceived(stored[(lf + 1)..]);
        return (Encoding.UTF8.GetString(stored, 0, lf + 1), received, message);
    }

    /// <summary>The client's bytes of a message as a mailbox holds it (see <see cref="SplitTrace"/>).</summary>
    public static byte[] WithoutTrace(byte[] stored) => SplitTrace(stored).Message;

    /// <summary>The header section (up to, not including, the blank line), as text.</summary>
    public static string HeaderSection(byte[] message)
    {
        var text = Encoding.UTF8.GetString(message);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..(end + 2)];
    }

    /// <summary>Where two byte strings first differ, with context, for assertion messages.</summary>
    public static string Difference(byte[] expected, byte[] actual)
    {
        var n = Math.Min(expected.Length, actual.Length);
        var i = 0;
        while (i < n && expected[i] == actual[i]) i++;
        if (i == n && expected.Length == actual.Length) return "identical";
        string Around(byte[] b) => Encoding.UTF8.GetString(b, Math.Max(0, i - 40), Math.Min(b.Length, i + 40) - Math.Max(0, i - 40))
            .Replace("\r", "\\r").Replace("\n", "\\n");
        return $"lengths {expected.Length} (expected) vs {actual.Length} (actual); first difference at offset {i}:\n" +
               $"  expected: ...{Around(expected)}...\n  actual:   ...{Around(actual)}...";
    }

    public static string Preview(byte[] b) => Encoding.UTF8.GetString(b, 0, Math.Min(b.Length, 600));
}
