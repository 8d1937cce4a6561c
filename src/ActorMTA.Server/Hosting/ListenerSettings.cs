using System.Net;

namespace ActorMTA.Server.Hosting;

public enum ListenerProtocol { Smtp, Pop3, Imap }

public enum TlsMode { None, StartTls, Implicit }

/// <summary>One block of actormta.listeners.</summary>
public sealed record ListenerSettings(string Name, ListenerProtocol Protocol, IPAddress Bind, int Port, TlsMode Tls, bool Submission, bool Enabled);
