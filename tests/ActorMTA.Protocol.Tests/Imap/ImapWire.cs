using System.Text;
using ActorMTA.Protocol.Imap;
using Xunit;

namespace ActorMTA.Protocol.Tests.Imap;

/// <summary>Plays client input through an <see cref="ImapCommandReader"/> the way the socket adapter
/// will: lines split at CRLF, literal bytes handed over (or dropped) when the reader asks.</summary>
internal static class ImapWire
{
    public static readonly ImapServerOptions Options = new(TlsAvailable: true, AuthRequiresTls: true, MaxLiteralSize: 1000, MaxCommandSize: 4000);

    public static List<ImapReadResult> Feed(ImapCommandReader reader, string wire) => Feed(reader, Encoding.UTF8.GetBytes(wire));

    public static List<ImapReadResult> Feed(ImapCommandReader reader, byte[] input)
    {
        var results = new List<ImapReadResult>();
        var position = 0;
        while (position < input.Length)
        {
            var end = input.AsSpan(position).IndexOf("\r\n"u8);
            if (end < 0) throw new InvalidOperationException("Input must end with CRLF.");
            var result = reader.OnLine(input.AsSpan(position, end));
            position += end + 2;
            results.Add(result);
            switch (result)
            {
                case ImapReadResult.NeedLiteral literal:
                    results.Add(reader.OnLiteral(input.AsSpan(position, (int)literal.Size)));
                    position += (int)literal.Size;
                    break;
                case ImapReadResult.DiscardLiteral discard:
                    results.Add(reader.OnLiteralDiscarded());
                    position += (int)discard.Size;
                    break;
            }
        }
        return results;
    }

    /// <summary>The one command in <paramref name="wire"/>; fails the test on anything else.</summary>
    public static ImapCommand Parse(string wire)
    {
        var results = Feed(new ImapCommandReader(Options), wire.EndsWith("\r\n") ? wire : wire + "\r\n");
        var last = results[^1];
        return last is ImapReadResult.Complete complete
            ? complete.Command
            : throw new Xunit.Sdk.XunitException($"Not parsed: {wire} -> {last}");
    }

    /// <summary>The rejection of <paramref name="wire"/>; fails the test when it parses.</summary>
    public static ImapReadResult.Error Reject(string wire)
    {
        var results = Feed(new ImapCommandReader(Options), wire.EndsWith("\r\n") ? wire : wire + "\r\n");
        return results[^1] as ImapReadResult.Error ?? throw new Xunit.Sdk.XunitException($"Accepted: {wire} -> {results[^1]}");
    }

    public static string Text(ImapResponse response) => Encoding.UTF8.GetString(ImapResponseFormatter.Format(response));
}
