using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Xunit;

namespace ActorMTA.Integration.Tests.Http;

/// <summary>
/// Injection to remote recipients: HTTP callers hold a token, so they may relay; each recipient's message goes
/// through its domain queue (acknowledged before success_count counts it) and is delivered over real DNS
/// (dnsmasq) to a real SMTP receiver, byte for byte.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HttpInjectRemoteTests
{
    private const string Mx = "127.0.0.40";

    [Fact]
    public async Task Remote_recipients_are_queued_and_delivered_byte_exact()
    {
        var port = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("http-remote.test", Mx)], [],
            overrides: $$"""actormta.http { enabled = on, port = {{port}}, tokens = ["remote-token"] }""");
        var raw = "From: news@example.org\r\nSubject: remote\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\n" +
                  "Message-ID: <remote-1@example.org>\r\n\r\n.dot line\r\nbody\r\n";
        var body = new JsonObject
        {
            ["envelope_sender"] = "bounces@example.org",
            ["content"] = raw,
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = "one@http-remote.test" }, new JsonObject { ["email"] = "two@http-remote.test" }),
        };
        Assert.Equal(2, (await InjectApi.InjectAsync(port, "remote-token", body)).SuccessCount);

        var received = await bed.Receiver(Mx).WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(["one@http-remote.test", "two@http-remote.test"], received.SelectMany(m => m.Recipients).Order());
        var expected = Encoding.UTF8.GetBytes(raw);
        foreach (var message in received)
        {
            Assert.Equal("bounces@example.org", message.MailFrom);
            var (trace, rest) = StoredMessage.SplitReceived(message.Data);
            Assert.Contains("with HTTP id ", trace);
            Assert.True(expected.AsSpan().SequenceEqual(rest), StoredMessage.Difference(expected, rest));
        }
    }

    [Fact]
    public async Task Injected_mail_from_a_domain_with_a_key_is_dkim_signed_before_it_is_queued()
    {
        const string mx = "127.0.0.41";
        var port = ServerPorts.PickOne();
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("http-signed.test", mx)], [],
            overrides: $$"""actormta.http { enabled = on, port = {{port}}, tokens = ["sign-token"] }""");
        var generate = bed.Server.RunCli("dkim", "generate", ServerProcess.Domain, "--selector", "s1", "--algorithm", "rsa");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        var record = System.Text.Json.Nodes.JsonNode.Parse(bed.Server.RunCli("dkim", "list", "--json").Stdout)!.AsArray()
            .Select(k => k!["record"]!.GetValue<string>()).Single();
        await bed.Server.StopAsync();
        await bed.Server.RestartAsync();

        var body = new JsonObject
        {
            ["envelope_sender"] = "bounces@" + ServerProcess.Domain,
            ["content"] = new JsonObject
            {
                ["from"] = new JsonObject { ["email"] = "news@" + ServerProcess.Domain },
                ["subject"] = "signed {{ n }}",
                ["text_body"] = "signed body {{ n }}",
            },
            ["recipients"] = new JsonArray(new JsonObject { ["email"] = "x@http-signed.test", ["substitutions"] = new JsonObject { ["n"] = 1 } }),
        };
        Assert.Equal(1, (await InjectApi.InjectAsync(port, "sign-token", body)).SuccessCount);

        var received = Assert.Single(await bed.Receiver(mx).WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.StartsWith("DKIM-Signature:", received.Text);
        var message = MimeMessage.Load(new MemoryStream(received.Data));
        var verifier = new DkimVerifier(new RecordLocator(record));
        Assert.True(await verifier.VerifyAsync(message, message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)]), "MimeKit does not verify the signature");
    }

    private sealed class RecordLocator(string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(record);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(GetPublicKey(record));
    }
}
