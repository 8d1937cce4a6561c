namespace ActorMTA.Server.Delivery.Shaping;

/// <summary>
/// What an automation action holds back: the one site that answered, or every site of its provider (providers
/// judge a sending IP as a whole, so a Yahoo [TS04] from one MX set applies to all of Yahoo's).
/// </summary>
public enum AutomationScope
{
    Site,
    Provider,
}
