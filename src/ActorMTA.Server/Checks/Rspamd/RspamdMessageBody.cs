namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// Where a message to send lies: a seekable stream, from <paramref name="Start"/> for <paramref name="Length"/>
/// bytes. Each request attempt gets its own <see cref="HttpContent"/> over it, since a sent request's content is
/// disposed with it.
/// </summary>
internal sealed record RspamdMessageBody(Stream Source, long Start, long Length)
{
    public HttpContent Content() => new RspamdMessageContent(Source, Start, Length);
}
