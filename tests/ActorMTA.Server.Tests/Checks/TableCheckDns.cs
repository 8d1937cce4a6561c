using System.Collections.Concurrent;
using System.Net;
using ActorMTA.Server.Checks;

namespace ActorMTA.Server.Tests.Checks;

/// <summary>
/// <see cref="ICheckDns"/> answered from a table, for the policy unit tests (the RFC examples need zones no
/// dnsmasq config can express compactly, such as void lookups and SERVFAIL per name). Names are case-insensitive.
/// A name with no record of the asked type but some other record is NODATA; a name with none at all is NXDOMAIN;
/// names added with <see cref="Fail"/> answer TempError. Every question is counted.
/// </summary>
public sealed class TableCheckDns : ICheckDns
{
    private readonly Dictionary<string, List<string>> _txt = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<IPAddress>> _a = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<IPAddress>> _aaaa = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<MxRecordData>> _mx = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> _ptr = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _failing = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> Questions { get; } = new();

    public TableCheckDns Txt(string name, params string[] records) => Add(_txt, name, records);

    /// <summary>One TXT record made of several character-strings, joined as <see cref="ICheckDns.TxtAsync"/> says.</summary>
    public TableCheckDns TxtStrings(string name, params string[] characterStrings) => Add(_txt, name, [string.Concat(characterStrings)]);

    public TableCheckDns Address(string name, params string[] addresses)
    {
        foreach (var a in addresses.Select(IPAddress.Parse))
            Add(a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? _a : _aaaa, name, [a]);
        return this;
    }

    public TableCheckDns Mx(string name, int preference, string exchange) => Add(_mx, name, [new MxRecordData(preference, exchange)]);

    public TableCheckDns Ptr(string address, params string[] names) => Add(_ptr, IPAddress.Parse(address).GetArpaName(), names);

    public TableCheckDns Fail(string name)
    {
        _failing.Add(Trim(name));
        return this;
    }

    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken ct) => Answer(_txt, "TXT", name);
    public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken ct) => Answer(_a, "A", name);
    public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken ct) => Answer(_aaaa, "AAAA", name);
    public Task<DnsAnswer<MxRecordData>> MxAsync(string name, CancellationToken ct) => Answer(_mx, "MX", name);
    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken ct) => Answer(_ptr, "PTR", address.GetArpaName());

    private TableCheckDns Add<T>(Dictionary<string, List<T>> table, string name, IEnumerable<T> records)
    {
        name = Trim(name);
        if (!table.TryGetValue(name, out var list)) table[name] = list = new List<T>();
        list.AddRange(records);
        return this;
    }

    private Task<DnsAnswer<T>> Answer<T>(Dictionary<string, List<T>> table, string type, string name)
    {
        name = Trim(name);
        Questions.Enqueue(type + " " + name);
        if (_failing.Contains(name)) return Task.FromResult(DnsAnswer<T>.TempError);
        if (table.TryGetValue(name, out var records) && records.Count > 0) return Task.FromResult(DnsAnswer<T>.Of(records));
        var exists = _txt.ContainsKey(name) || _a.ContainsKey(name) || _aaaa.ContainsKey(name) || _mx.ContainsKey(name) || _ptr.ContainsKey(name);
        return Task.FromResult(exists ? DnsAnswer<T>.NoData : DnsAnswer<T>.NxDomain);
    }

    private static string Trim(string name) => name.EndsWith('.') ? name[..^1] : name;
}
