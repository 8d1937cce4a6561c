using System.Net;
using System.Text;
using ActorMTA.Integration.Tests.Harness;
using Xunit;

namespace ActorMTA.Integration.Tests;

public sealed class ProxyProtocolFixture : IAsyncLifetime
{
    public static readonly TestUser User = TestUser.Local("behind-proxy");

    /// <summary>The load balancer: the one address allowed to send PROXY headers.</summary>
    public static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.2");

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync("""
        actormta.listeners.smtp.proxy-protocol = on
        actormta.listeners.smtps.proxy-protocol = on
        actormta.proxy-protocol.trusted-networks = ["127.0.0.2/32"]
        actormta.proxy-protocol.header-timeout = 2s
        actormta.smtp.relay-networks = ["127.0.0.0/8"]
        actormta.smtp.max-connections-per-ip = 2
        """, [User]);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// PROXY protocol (HAProxy v1 and v2) on SMTP listeners over real sockets: the client the header names is the one
/// relay decisions, per-address limits and the Received: line use; only the trusted balancer may send a header.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProxyProtocolTests(ProxyProtocolFixture fixture) : IClassFixture<ProxyProtocolFixture>
{
    private static byte[] V1(string source, int port = 40000) => Encoding.ASCII.GetBytes($"PROXY TCP4 {source} 127.0.0.1 {port} 25\r\n");

    private static byte[] V2Tcp6(string source)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        var addresses = new byte[36];
        IPAddress.Parse(source).GetAddressBytes().CopyTo(addresses, 0);
        IPAddress.IPv6Loopback.GetAddressBytes().CopyTo(addresses, 16);
        addresses[32] = 0x9C; addresses[33] = 0x40; addresses[35] = 25;
        return [.. signature, 0x21, 0x21, 0, 36, .. addresses];
    }

    /// <summary>Connects from the balancer's address, sends <paramref name="header"/> and reads the greeting.</summary>
    private async Task<SmtpConversation> ViaBalancerAsync(byte[] header, int? port = null, bool tls = false)
    {
        var connection = await TextConnection.ConnectAsync(port ?? fixture.Server.Ports.Smtp, localAddress: ProxyProtocolFixture.Balancer);
        await connection.WriteAsync(header);
        if (tls) await connection.UpgradeToTlsAsync();
        return await SmtpConversation.GreetedAsync(connection);
    }

    [Fact]
    public async Task The_client_named_by_a_v1_header_decides_relaying_and_appears_in_received()
    {
        // 203.0.113.9 is outside relay-networks although the socket's peer (127.0.0.2) is inside.
        await using (var outside = await ViaBalancerAsync(V1("203.0.113.9")))
        {
            SmtpConversation.Expect(await outside.CommandAsync("EHLO client.example"), 250);
            SmtpConversation.Expect(await outside.CommandAsync("MAIL FROM:<a@example.org>"), 250);
            var relay = await outside.CommandAsync("RCPT TO:<someone@elsewhere.example>");
            Assert.True(relay.Code >= 550, relay.ToString());
            var message = Encoding.ASCII.GetBytes("From: a@example.org\r\nSubject: via proxy\r\n\r\nhello\r\n");
            SmtpConversation.Expect(await outside.CommandAsync("RSET"), 250);
            SmtpConversation.Expect(await outside.SendMessageAsync("a@example.org", [ProxyProtocolFixture.User.Address], message), 250);
        }

        await using var pop3 = await Pop3Conversation.OpenLoggedInAsync(fixture.Server.Ports.Pop3, ProxyProtocolFixture.User);
        var stored = Encoding.ASCII.GetString(await pop3.RetrAsync(1));
        var received = stored.Split("\r\n").First(l => l.StartsWith("Received:"));
        Assert.Contains("203.0.113.9", received);
        Assert.DoesNotContain("127.0.0.2", received);

        // A client inside relay-networks, named the same way, may relay.
        await using var inside = await ViaBalancerAsync(V1("127.0.0.77"));
        SmtpConversation.Expect(await inside.CommandAsync("EHLO client.example"), 250);
        SmtpConversation.Expect(await inside.CommandAsync("MAIL FROM:<a@example.org>"), 250);
        SmtpConversation.Expect(await inside.CommandAsync("RCPT TO:<someone@elsewhere.example>"), 250);
    }

    [Fact]
    public async Task A_v2_header_with_an_ipv6_client_and_implicit_tls_behind_it_work()
    {
        await using (var six = await ViaBalancerAsync(V2Tcp6("2001:db8::5")))
        {
            SmtpConversation.Expect(await six.CommandAsync("EHLO client.example"), 250);
            SmtpConversation.Expect(await six.CommandAsync("MAIL FROM:<a@example.org>"), 250);
            var relay = await six.CommandAsync("RCPT TO:<someone@elsewhere.example>");
            Assert.True(relay.Code >= 550, relay.ToString());
        }

        // The TLS ClientHello follows the header at once: the header is consumed to the octet, the rest is TLS.
        await using var tls = await ViaBalancerAsync(V1("198.51.100.20"), fixture.Server.Ports.Smtps, tls: true);
        Assert.True(tls.Connection.IsTls);
        SmtpConversation.Expect(await tls.CommandAsync("EHLO client.example"), 250);
    }

    [Fact]
    public async Task Connection_limits_count_the_real_client_address()
    {
        // max-connections-per-ip = 2: two from one client fill its share; a third from it is refused; another client still gets in.
        await using var first = await ViaBalancerAsync(V1("198.51.100.1", 1001));
        await using var second = await ViaBalancerAsync(V1("198.51.100.1", 1002));
        await using (var third = await TextConnection.ConnectAsync(fixture.Server.Ports.Smtp, localAddress: ProxyProtocolFixture.Balancer))
        {
            await third.WriteAsync(V1("198.51.100.1", 1003));
            Assert.StartsWith("421 4.7.0", await third.ReadLineAsync());
        }
        await using var other = await ViaBalancerAsync(V1("198.51.100.2", 1004));
        Assert.Equal(220, other.Greeting.Code);
    }

    [Fact]
    public async Task Only_the_trusted_balancer_may_send_a_header_and_a_missing_header_closes_the_connection()
    {
        // From 127.0.0.1, not trusted: closed unanswered, whatever it sends.
        await using (var untrusted = await TextConnection.ConnectAsync(fixture.Server.Ports.Smtp, localAddress: IPAddress.Loopback))
        {
            await untrusted.WriteAsync(V1("127.0.0.77"));
            Assert.True(await untrusted.IsClosedByPeerAsync());
        }
        // The balancer without a header (a client connected straight to the port): closed, no greeting.
        await using (var bare = await TextConnection.ConnectAsync(fixture.Server.Ports.Smtp, localAddress: ProxyProtocolFixture.Balancer))
        {
            await bare.WriteAsync(Encoding.ASCII.GetBytes("EHLO client.example\r\n"));
            Assert.True(await bare.IsClosedByPeerAsync());
        }
        // A header that never completes: closed after header-timeout.
        await using (var slow = await TextConnection.ConnectAsync(fixture.Server.Ports.Smtp, localAddress: ProxyProtocolFixture.Balancer))
        {
            await slow.WriteAsync(Encoding.ASCII.GetBytes("PROXY TCP4 198.51.100.3"));
            var started = DateTime.UtcNow;
            Assert.True(await slow.IsClosedByPeerAsync());
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        }
        // Listeners without proxy-protocol are unchanged.
        await using var submission = await SmtpConversation.OpenAsync(fixture.Server.Ports.Submission);
        Assert.Equal(220, submission.Greeting.Code);
    }
}
