using System.Text;
using ActorMTA.Protocol.Smtp;
using Xunit;

namespace ActorMTA.Protocol.Tests.Smtp;

/// <summary>Drives an <see cref="SmtpServerEngine"/> with text lines, the way the session actor would.</summary>
internal sealed class SmtpTestSession
{
    public const string Host = "mail.example.com";

    public SmtpTestSession(SmtpServerOptions? options = null)
    {
        Engine = new SmtpServerEngine(options ?? Options());
        Greeting = Engine.Start();
    }

    public SmtpServerEngine Engine { get; }

    public SmtpStep Greeting { get; }

    public static SmtpServerOptions Options(
        bool isSubmission = false,
        bool tlsAvailable = true,
        bool tlsActive = false,
        bool authRequiresTls = false,
        long maxMessageSize = 10_000,
        int maxRecipients = 3,
        int maxAuthFailures = 3,
        int maxCommands = 1000) =>
        new(Host, isSubmission, tlsAvailable, tlsActive, authRequiresTls, maxMessageSize, maxRecipients, maxAuthFailures, maxCommands);

    public SmtpStep Send(string line) => Engine.OnLine(Encoding.UTF8.GetBytes(line));

    /// <summary>Sends a line and returns the wire text of its replies (CRLF-separated, no final CRLF).</summary>
    public string Reply(string line) => Wire(Send(line));

    /// <summary>EHLO, MAIL FROM and accepted RCPT TO for each recipient.</summary>
    public SmtpTestSession WithTransaction(string from = "<alice@example.org>", params string[] recipients)
    {
        Send("EHLO client.example.org");
        Assert.StartsWith("250 ", Reply($"MAIL FROM:{from}"));
        foreach (var recipient in recipients.Length == 0 ? ["<bob@example.com>"] : recipients)
        {
            var step = Send($"RCPT TO:{recipient}");
            Assert.IsType<SmtpEffect.CheckRecipient>(step.Effect);
            Assert.Equal("250 2.1.5 Ok", Wire(Engine.OnRecipientVerdict(RecipientVerdict.Accept)));
        }
        return this;
    }

    public static string Wire(SmtpStep step)
    {
        var text = Encoding.UTF8.GetString(step.ToBytes());
        Assert.True(text.Length == 0 || text.EndsWith("\r\n", StringComparison.Ordinal), "every reply line ends in CRLF");
        return text.Length == 0 ? "" : text[..^2];
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
