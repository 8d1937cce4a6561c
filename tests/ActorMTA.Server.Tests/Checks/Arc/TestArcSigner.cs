using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace ActorMTA.Server.Tests.Checks.Arc;

/// <summary>An ARC sealer for tests: its ARC-Authentication-Results say what the test tells it the hop saw.</summary>
internal sealed class TestArcSigner(AsymmetricCipherKeyPair pair, string domain, string selector, string servId, params (string Method, string Result)[] results)
    : ArcSigner(pair.Private, domain, selector, pair.Public is Ed25519PublicKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256)
{
    protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
    {
        var authres = new AuthenticationResults(servId);
        foreach (var (method, result) in results) authres.Results.Add(new AuthenticationMethodResult(method, result));
        return authres;
    }

    protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
        Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
}
