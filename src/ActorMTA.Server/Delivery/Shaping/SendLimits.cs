namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// The limits a <see cref="SendThrottle"/> holds for one site: those of the provider and the default, never of one
/// recipient domain (a domain's own entry limits that domain's queue, not every domain the site hosts).
/// </summary>
/// <param name="ProviderConnectionLimit">Over every site of the provider together; 0 = unlimited.</param>
public sealed record SendLimits(int ConnectionLimit, int ProviderConnectionLimit, ShapingRate MessageRate, ShapingRate ConnectionRate)
{
    public static SendLimits Of(EffectiveShaping shaping) => new(
        shaping.ConnectionLimit.Value, shaping.ProviderConnectionLimit.Value, shaping.MessageRate.Value, shaping.ConnectionRate.Value);
}
