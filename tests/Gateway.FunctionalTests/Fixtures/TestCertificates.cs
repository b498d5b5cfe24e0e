using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// Certificates made in the test (ECDSA P-256, self-signed) and written to a temporary folder as a gateway reads
/// them: PEM certificate and key, encrypted PEM key, or PFX. Also linked into Gateway.UnitTests.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("gateway-certs-").FullName;

    /// <summary>A certificate for <paramref name="dnsNames"/> (the first is also its CN), valid from an hour ago for a day unless told.</summary>
    public static X509Certificate2 Create(string[] dnsNames, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool serverAuth = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], critical: false));
        var start = notBefore ?? DateTimeOffset.UtcNow.AddHours(-1);
        return request.CreateSelfSigned(start, notAfter ?? start.AddDays(1));
    }

    /// <summary>Writes <c>{name}.crt</c> and <c>{name}.key</c> (PEM; the key encrypted with <paramref name="password"/> if given).</summary>
    /// <param name="replace">Write each to a temporary file and rename it over the old, as certbot and editors do.</param>
    public (string Certificate, string Key) WritePem(string name, X509Certificate2 certificate, string? password = null, bool replace = false)
    {
        var certificatePath = Path.Combine(Directory, name + ".crt");
        var keyPath = Path.Combine(Directory, name + ".key");
        var key = certificate.GetECDsaPrivateKey()!;
        var keyPem = password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000));
        Write(certificatePath, certificate.ExportCertificatePem(), replace);
        Write(keyPath, keyPem, replace);
        return (certificatePath, keyPath);
    }

    /// <summary>Writes <c>{name}.pfx</c> protected by <paramref name="password"/>.</summary>
    public string WritePfx(string name, X509Certificate2 certificate, string password)
    {
        var path = Path.Combine(Directory, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    private static void Write(string path, string text, bool replace)
    {
        if (!replace)
        {
            File.WriteAllText(path, text);
            return;
        }

        var temporary = path + ".new";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
