using System.Net;

namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// The message as a request body without taking ownership of the caller's stream: <see cref="StreamContent"/>
/// would dispose the stream with the request, yet the same spooled message goes on to delivery after the scan.
/// Every serialisation starts from the original position, so a request the handler re-sends sends the whole message.
/// </summary>
internal sealed class RspamdMessageContent : HttpContent
{
    private readonly Stream _source;
    private readonly long _start;
    private readonly long _length;

    public RspamdMessageContent(Stream seekableSource, long length)
    {
        _source = seekableSource;
        _start = seekableSource.Position;
        _length = length;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _source.Position = _start;
        await _source.CopyToAsync(stream, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
