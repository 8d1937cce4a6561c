namespace ActorMTA.TestSupport;

/// <summary>Where in a transaction a <see cref="ScriptedOutcome"/> answers differently from "accept".</summary>
public enum ScriptStage
{
    /// <summary>The reply to MAIL FROM.</summary>
    Mail,

    /// <summary>The reply to every RCPT TO of the transaction.</summary>
    Rcpt,

    /// <summary>The reply to the DATA command (before any content is sent).</summary>
    DataCommand,

    /// <summary>The reply after the content's final dot.</summary>
    EndOfData,
}

/// <summary>
/// How one SMTP transaction (MAIL ... final dot) ends. At <see cref="Stage"/> the receiver answers
/// <see cref="Code"/> <see cref="Text"/> — or, when <see cref="Drop"/> is set, closes the socket
/// without answering; every other step of the transaction is accepted. A transaction that ends
/// with 250 at <see cref="ScriptStage.EndOfData"/> is recorded as a received message.
/// </summary>
public sealed record ScriptedOutcome(ScriptStage Stage, int Code, string Text, bool Drop = false)
{
    public static readonly ScriptedOutcome Accept = new(ScriptStage.EndOfData, 250, "2.0.0 Ok: queued");

    /// <summary>451 4.3.0 (or another 4xx) after the content: the client must retry later.</summary>
    public static ScriptedOutcome TempFail(int code = 451, string text = "4.3.0 Temporary failure, try again later") =>
        new(ScriptStage.EndOfData, code, text);

    /// <summary>554 5.6.0 (or another 5xx) after the content: the message is refused for good.</summary>
    public static ScriptedOutcome RejectData(int code = 554, string text = "5.6.0 Message refused") =>
        new(ScriptStage.EndOfData, code, text);

    /// <summary>550 5.1.1 (or another code) to every RCPT of the transaction.</summary>
    public static ScriptedOutcome RejectRecipients(int code = 550, string text = "5.1.1 No such user here") =>
        new(ScriptStage.Rcpt, code, text);

    /// <summary>The connection is closed at <paramref name="stage"/> instead of answering (default: after the content, before the reply).</summary>
    public static ScriptedOutcome DropAt(ScriptStage stage = ScriptStage.EndOfData) => new(stage, 0, "", Drop: true);

    /// <summary>
    /// The outcome a bare reply code stands for: 250 accepts, 4xx/5xx answer that code after the
    /// content (451 4.3.0 / 554 5.6.0 style texts), <see cref="ScriptedSmtpReceiver.DropCode"/> drops the connection.
    /// </summary>
    public static ScriptedOutcome FromCode(int code) => code switch
    {
        ScriptedSmtpReceiver.DropCode => DropAt(),
        250 => Accept,
        >= 400 and < 500 => TempFail(code, $"4.3.0 Scripted temporary failure {code}"),
        >= 500 and < 600 => RejectData(code, $"5.6.0 Scripted permanent failure {code}"),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "250, 4xx, 5xx or DropCode"),
    };
}
