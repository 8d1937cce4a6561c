using MimeKit;

namespace ActorMTA.Server.Delivery.Bounces;

/// <summary>Serialises a generated message the way it goes on the wire and into the spool: CRLF line ends.</summary>
public static class BounceWriter
{
    private static readonly FormatOptions WireFormat = CreateWireFormat();

    public static byte[] ToBytes(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(WireFormat, buffer);
        return buffer.ToArray();
    }

    public static Task WriteToAsync(MimeMessage message, Stream destination, CancellationToken ct) =>
        message.WriteToAsync(WireFormat, destination, ct);

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}
