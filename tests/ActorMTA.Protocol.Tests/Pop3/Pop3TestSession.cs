using System.Text;
using ActorMTA.Protocol.Pop3;

namespace ActorMTA.Protocol.Tests.Pop3;

/// <summary>Drives a <see cref="Pop3ServerEngine"/> with text lines, the way the session actor would.</summary>
internal sealed class Pop3TestSession
{
    public static readonly Pop3Message[] TwoMessages = [new("uid-1", 120), new("uid-2", 200)];

    public Pop3TestSession(Pop3ServerOptions? options = null)
    {
        Engine = new Pop3ServerEngine(options ?? Options());
        Greeting = Engine.Start();
    }

    public Pop3ServerEngine Engine { get; }

    public Pop3Step Greeting { get; }

    public static Pop3ServerOptions Options(
        bool tlsAvailable = true, bool tlsActive = false, bool authRequiresTls = false, int maxAuthFailures = 3) =>
        new("mail.example.com", tlsAvailable, tlsActive, authRequiresTls, maxAuthFailures);

    public Pop3Step Send(string line) => Engine.OnLine(Encoding.UTF8.GetBytes(line));

    /// <summary>A session already in TRANSACTION state with the given maildrop.</summary>
    public static Pop3TestSession LoggedIn(params Pop3Message[] maildrop)
    {
        var session = new Pop3TestSession();
        session.Send("USER alice");
        session.Send("PASS secret");
        session.Engine.OnAuthResult(true, maildrop.Length == 0 ? TwoMessages : maildrop);
        return session;
    }
}
