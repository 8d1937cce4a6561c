using MimeKit;
using Xunit;

namespace ActorMTA.Integration.Tests.Delivery;

/// <summary>
/// A bounce as the sender's mailbox holds it, checked to be an RFC 3464 report on parsing:
/// multipart/report; report-type=delivery-status with a message/delivery-status part.
/// </summary>
internal sealed record DeliveryStatusReport(MimeMessage Message, HeaderList PerMessage, IReadOnlyList<HeaderList> PerRecipient)
{
    public static DeliveryStatusReport Parse(byte[] raw)
    {
        var message = MimeMessage.Load(new MemoryStream(raw));
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType, ignoreCase: true);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        Assert.True(status.StatusGroups.Count >= 2, "a per-message group and at least one per-recipient group");
        return new DeliveryStatusReport(message, status.StatusGroups[0], status.StatusGroups.Skip(1).ToList());
    }

    /// <summary>The only per-recipient group.</summary>
    public HeaderList Recipient => Assert.Single(PerRecipient);
}
