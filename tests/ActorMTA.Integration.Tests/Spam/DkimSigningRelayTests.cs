using System.Text;
using System.Text.Json.Nodes;
using ActorMTA.Integration.Tests.Delivery;
using ActorMTA.Integration.Tests.Harness;
using ActorMTA.TestSupport;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Xunit;

namespace ActorMTA.Integration.Tests.Spam;

/// <summary>
/// Mail our user submits is DKIM-signed before it is queued; what the next hop receives verifies with the published key
/// under two independent verifiers: MimeKit's and Debian's dkimpy.
/// </summary>
public sealed class DkimSigningRelayTests
{
    private static readonly TestUser Sender = TestUser.Local("dkim-signer");

    [Theory]
    [InlineData("rsa")]
    [InlineData("ed25519")]
    public async Task Relayed_mail_carries_a_signature_that_mimekit_and_dkimpy_accept(string algorithm)
    {
        await using var bed = await DeliveryTestBed.StartAsync([new RemoteDomain("signed-out.test", "127.0.0.61")], [Sender]);
        var generate = bed.Server.RunCli("dkim", "generate", ServerProcess.Domain, "--selector", "s1", "--algorithm", algorithm);
        Assert.True(generate.ExitCode == 0, generate.ToString());
        var listed = JsonNode.Parse(bed.Server.RunCli("dkim", "list", "--json").Stdout)!.AsArray();
        var record = listed.Select(k => k!["record"]!.GetValue<string>()).Single();
        // The key store is read at start; a restart makes sure the new key is in use whatever the reload timing.
        await bed.Server.StopAsync();
        await bed.Server.RestartAsync();

        var sent = DeliveryTestBed.Message(Sender.Address, "someone@signed-out.test", "signed-" + algorithm);
        await bed.SubmitAsync(Sender, ["someone@signed-out.test"], sent);
        var received = Assert.Single(await bed.Receiver("127.0.0.61").WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)));
        var text = received.Text;
        Assert.StartsWith("DKIM-Signature:", text);
        Assert.Contains($"d={ServerProcess.Domain}", text);
        Assert.Contains("s=s1", text);

        var message = MimeMessage.Load(new MemoryStream(received.Data));
        var verifier = new DkimVerifier(new RecordLocator(record));
        var index = message.Headers.IndexOf(HeaderId.DkimSignature);
        Assert.True(await verifier.VerifyAsync(message, message.Headers[index]), "MimeKit does not verify the signature");

        await Python3.EnsureModuleAsync("dkim", "python3-dkim");
        var (exit, stdout, stderr) = await Python3.RunAsync("""
            import sys, dkim
            record = sys.argv[1].encode()
            message = sys.stdin.buffer.read()
            ok = dkim.verify(message, dnsfunc=lambda name, timeout=5: record)
            print("PASS" if ok else "FAIL")
            """, received.Data, record);
        Assert.True(exit == 0 && stdout.Trim() == "PASS", $"dkimpy: exit {exit} {stdout} {stderr}");
    }

    private sealed class RecordLocator(string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(record);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(GetPublicKey(record));
    }
}
