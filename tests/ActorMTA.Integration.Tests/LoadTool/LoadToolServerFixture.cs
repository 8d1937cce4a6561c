using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests.LoadTool;

/// <summary>
/// One server for the load tool's tests: mailboxes load0..load3 (one password, as the tool uses one
/// --password for a {n} pattern), a submitter, separate mailboxes for the loss and read tests, and
/// a route that sends mail for sink.test to the tool's sink on <see cref="SinkPort"/>.
/// </summary>
public sealed class LoadToolServerFixture : IAsyncLifetime
{
    public const string Password = "load-S3cret";
    public const int LoadUsers = 4;
    public const string SinkDomain = "sink.test";

    public static readonly TestUser Submitter = new("submitter@" + ServerProcess.Domain, Password);
    public static readonly TestUser JsonUser = new("json@" + ServerProcess.Domain, Password);
    public static readonly TestUser LossUser = new("loss@" + ServerProcess.Domain, Password);
    public static readonly TestUser ReaderUser = new("reader@" + ServerProcess.Domain, Password);
    public static readonly TestUser HoldUser = new("hold@" + ServerProcess.Domain, Password);

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    /// <summary>Where the server relays sink.test mail: the port `--verify sink --sink-port` listens on.</summary>
    public int SinkPort { get; } = ServerPorts.PickOne();

    public static string LoadPattern => "load{n}@" + ServerProcess.Domain;

    public async Task InitializeAsync()
    {
        var users = Enumerable.Range(0, LoadUsers).Select(i => new TestUser($"load{i}@{ServerProcess.Domain}", Password))
            .Append(Submitter).Append(JsonUser).Append(LossUser).Append(ReaderUser).Append(HoldUser);
        _server = await ServerProcess.StartAsync(
            $$"""
            actormta.delivery {
              routes { "{{SinkDomain}}" = "127.0.0.1:{{SinkPort}}" }
              retry-schedule = [1s]
              retry-jitter = 0
            }
            # The load tool opens hundreds of sessions from a few addresses.
            actormta.smtp.max-connections-per-ip = 1000
            actormta.pop3.max-connections-per-ip = 1000
            actormta.imap.max-connections-per-ip = 1000
            """,
            users);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
