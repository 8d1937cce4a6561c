using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorMTA.Server.Hosting;

/// <summary>
/// Loads the configured certificate, or creates a self-signed one in the data dir on first run,
/// so STARTTLS and implicit TLS work out of the box and AUTH never has to travel in the clear.
/// </summary>
public static class TlsCertificates
{
    public static X509Certificate2 LoadOrCreate(ServerSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.TlsCertificate))
            return X509CertificateLoader.LoadPkcs12FromFile(settings.TlsCertificate, settings.TlsCertificatePassword);

        var path = Path.Combine(settings.DataDirectory, "tls", "self-signed.pfx");
        if (File.Exists(path)) return X509CertificateLoader.LoadPkcs12FromFile(path, null);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={settings.HostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(settings.HostName);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, cert.Export(X509ContentType.Pfx));
        File.Move(tmp, path, overwrite: true);
        return X509CertificateLoader.LoadPkcs12FromFile(path, null);
    }
}
