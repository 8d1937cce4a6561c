using System.Net;

namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// The message as a request body without taking ownership of the caller's stream: <see cref="StreamContent"/>
/// would dispose the stream with the request, yet the same spooled message goes on to delivery after the scan.
/// Every serialisation starts from the recorded position, so a re-sent request sends the whole message.
/// </summary>
internal sealed class RspamdMessageContent(Stream source, long start, long length) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        source.Position = start;
        await source.CopyToAsync(stream, cancellationToken);
    }

    protected override bool TryComputeLength(out long computed)
    {
        computed = length;
        return true;
    }
}
