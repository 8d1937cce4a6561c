using System.Net;
using ActorMTA.Server.Checks;
using ActorMTA.Server.Checks.Spf;

namespace ActorMTA.Server.Tests.Checks.Spf;

/// <summary>Shared zones and shorthands of the SPF tests.</summary>
internal static class SpfTesting
{
    public static readonly SpfOptions Options = new() { ReceiverHost = "mx.receiver.example" };

    public static SpfEvaluator Evaluator(ICheckDns dns, SpfOptions? options = null) => new(dns, options ?? Options);

    public static Task<SpfOutcome> CheckAsync(ICheckDns dns, string ip, string domain = "example.com", string? sender = null,
        string helo = "mail.example.net", SpfOptions? options = null) =>
        Evaluator(dns, options).CheckHostAsync(IPAddress.Parse(ip), domain, sender ?? "user@" + domain, helo, CancellationToken.None);

    /// <summary>A zone holding only one record at example.com.</summary>
    public static TableCheckDns Record(string record, string domain = "example.com") => new TableCheckDns().Txt(domain, record);

    /// <summary>
    /// The example zones of RFC 7208 Appendix A: example.com with two MX hosts and two A records, hosts amy and bob,
    /// example.org with mail-c, their reverse names, and 10.0.0.4 whose PTR claims bob.example.com without being it.
    /// www is a CNAME in the RFC; the resolver follows CNAMEs, so here it just has the same addresses.
    /// </summary>
    public static TableCheckDns AppendixA() => new TableCheckDns()
        .Mx("example.com", 10, "mail-a.example.com")
        .Mx("example.com", 20, "mail-b.example.com")
        .Address("example.com", "192.0.2.10", "192.0.2.11")
        .Address("amy.example.com", "192.0.2.65")
        .Address("bob.example.com", "192.0.2.66")
        .Address("mail-a.example.com", "192.0.2.129")
        .Address("mail-b.example.com", "192.0.2.130")
        .Address("www.example.com", "192.0.2.10", "192.0.2.11")
        .Mx("example.org", 10, "mail-c.example.org")
        .Address("mail-c.example.org", "192.0.2.140")
        .Ptr("192.0.2.10", "example.com")
        .Ptr("192.0.2.11", "example.com")
        .Ptr("192.0.2.65", "amy.example.com")
        .Ptr("192.0.2.66", "bob.example.com")
        .Ptr("192.0.2.129", "mail-a.example.com")
        .Ptr("192.0.2.130", "mail-b.example.com")
        .Ptr("192.0.2.140", "mail-c.example.org")
        .Ptr("10.0.0.4", "bob.example.com");
}

/// <summary>
/// An <see cref="ICheckDns"/> over a table whose answers for some names never come: with <c>honourCancellation</c>
/// they end when cancelled, without it they never end at all, as a broken resolver might.
/// </summary>
internal sealed class HangingCheckDns(TableCheckDns table, bool honourCancellation, params string[] hangingNames) : ICheckDns
{
    private readonly HashSet<string> _hanging = new(hangingNames, StringComparer.OrdinalIgnoreCase);

    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken ct) => Hang<string>(name, ct) ?? table.TxtAsync(name, ct);
    public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken ct) => Hang<IPAddress>(name, ct) ?? table.AAsync(name, ct);
    public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken ct) => Hang<IPAddress>(name, ct) ?? table.AaaaAsync(name, ct);
    public Task<DnsAnswer<MxRecordData>> MxAsync(string name, CancellationToken ct) => Hang<MxRecordData>(name, ct) ?? table.MxAsync(name, ct);
    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken ct) => table.PtrAsync(address, ct);

    private Task<DnsAnswer<T>>? Hang<T>(string name, CancellationToken ct)
    {
        if (!_hanging.Contains(name)) return null;
        return honourCancellation ? Forever<T>(ct) : new TaskCompletionSource<DnsAnswer<T>>().Task;
    }

    private static async Task<DnsAnswer<T>> Forever<T>(CancellationToken ct)
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    }
}
