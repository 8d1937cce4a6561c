using System.Text;
using ActorMTA.Protocol.Smtp.Client;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp.Client;

/// <summary>What the engine produced for some input: the exact bytes it wants written (as text) and its
/// effect, if any.</summary>
internal sealed record ClientOutput(string Sent, ClientEffect? Effect);

/// <summary>
/// Drives an <see cref="SmtpClientEngine"/> the way the delivery actor would, with scripted server reply
/// lines, collecting the bytes the client sends.
/// </summary>
internal sealed class ClientTranscript
{
    public const string HeloName = "out.example.org";

    public ClientTranscript(bool tryStartTls = false, bool requireTls = false)
    {
        Engine = new SmtpClientEngine(new SmtpClientOptions(HeloName, tryStartTls, requireTls));
        Assert.Equal(ClientStep.Empty, Engine.OnConnected());
    }

    public SmtpClientEngine Engine { get; }

    /// <summary>Feeds server lines (without CRLF) one by one; at most one of them may yield an effect.</summary>
    public ClientOutput Server(params string[] lines)
    {
        var sent = new StringBuilder();
        ClientEffect? effect = null;
        foreach (var line in lines)
        {
            var step = Engine.OnReplyLine(Encoding.UTF8.GetBytes(line));
            sent.Append(Wire(step));
            if (step.Effect is null) continue;
            Assert.Null(effect);
            effect = step.Effect;
        }
        return new ClientOutput(sent.ToString(), effect);
    }

    public static ClientOutput Output(ClientStep step) => new(Wire(step), step.Effect);

    /// <summary>Greeting and EHLO with the given extension lines; the session ends up Ready.</summary>
    public static ClientTranscript ReadyWith(params string[] extensions)
    {
        var transcript = new ClientTranscript();
        Assert.Equal($"EHLO {HeloName}\r\n", transcript.Server("220 mx.example.net ESMTP").Sent);
        transcript.Server(EhloReply(extensions));
        Assert.Equal(ClientState.Ready, transcript.Engine.State);
        return transcript;
    }

    /// <summary>The lines of a 250 EHLO reply advertising <paramref name="extensions"/>.</summary>
    public static string[] EhloReply(params string[] extensions)
    {
        var lines = new List<string> { "mx.example.net greets " + HeloName };
        lines.AddRange(extensions);
        return lines.Select((text, i) => (i == lines.Count - 1 ? "250 " : "250-") + text).ToArray();
    }

    public static OutboundMessage Message(
        string id = "msg-1",
        string from = "alice@example.org",
        string[]? to = null,
        long size = 0,
        bool eightBit = false,
        bool utf8 = false) =>
        new(id, from, to ?? ["bob@example.net"], size, eightBit, utf8);

    public static string Wire(ClientStep step)
    {
        var text = Encoding.UTF8.GetString(step.ToBytes());
        Assert.True(text.Length == 0 || text.EndsWith("\r\n", StringComparison.Ordinal), "every command ends in CRLF");
        return text;
    }

    public static TransactionResult Finished(ClientOutput output) =>
        Assert.IsType<ClientEffect.TransactionFinished>(output.Effect).Result;

    public static ClientEffect.ConnectionFailed Failed(ClientOutput output) =>
        Assert.IsType<ClientEffect.ConnectionFailed>(output.Effect);

    /// <summary>"recipient: wire reply" per recipient, for compact assertions.</summary>
    public static string[] Outcomes(TransactionResult result) =>
        result.Recipients.Select(r => $"{r.Recipient}: {r.Reply}").ToArray();
}
