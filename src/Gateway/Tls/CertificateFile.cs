using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Tls;

/// <summary>
/// A <c>Certificate</c> as Kestrel's schema writes it: <c>Path</c> to a PEM certificate (with its chain after it)
/// and <c>KeyPath</c> to its PEM key (encrypted when <c>Password</c> is given), or <c>Path</c> to a PKCS#12 (PFX)
/// file with <c>Password</c>. Paths are relative to the content root.
/// </summary>
internal sealed record CertificateFile(string Path, string? KeyPath, string? Password)
{
    /// <summary>The files this certificate is read from.</summary>
    public IEnumerable<string> Files => KeyPath is null ? [Path] : [Path, KeyPath];

    /// <summary>
    /// Reads the certificate, its key and its chain, and checks them: readable, the key present and matching,
    /// valid for server authentication, and valid at <paramref name="now"/>.
    /// </summary>
    /// <returns>The leaf with its key, and the rest of the chain; null and the reason (naming the file) otherwise.</returns>
    public (X509Certificate2 Leaf, X509Certificate2Collection Chain)? Load(DateTimeOffset now, out string? error)
    {
        X509Certificate2 leaf;
        X509Certificate2Collection chain;
        try
        {
            (leaf, chain) = IsPem(Path) ? LoadPem() : LoadPkcs12();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            error = KeyPath is null
                ? $"'{Path}' cannot be read as a certificate with its key: {ex.Message}"
                : $"'{Path}' with key '{KeyPath}' cannot be read as a certificate and its key: {ex.Message}";
            return null;
        }

        error = Check(leaf, now);
        if (error is not null)
        {
            leaf.Dispose();
            return null;
        }

        return (leaf, chain);
    }

    private string? Check(X509Certificate2 leaf, DateTimeOffset now)
    {
        if (!leaf.HasPrivateKey)
        {
            return $"'{Path}' has no private key{(KeyPath is null ? "; give its key file as KeyPath" : string.Empty)}.";
        }

        if (leaf.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            return $"'{Path}': the certificate ({leaf.Subject}) expired on {leaf.NotAfter.ToUniversalTime():u}.";
        }

        if (leaf.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            return $"'{Path}': the certificate ({leaf.Subject}) is not valid before {leaf.NotBefore.ToUniversalTime():u}.";
        }

        foreach (var extension in leaf.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usage && usage.EnhancedKeyUsages.Count > 0 &&
                usage.EnhancedKeyUsages[ServerAuthenticationOid] is null)
            {
                return $"'{Path}': the certificate ({leaf.Subject}) is not for server authentication (extended key usage {ServerAuthenticationOid}).";
            }
        }

        return null;
    }

    private (X509Certificate2, X509Certificate2Collection) LoadPem()
    {
        var leaf = Password is null
            ? X509Certificate2.CreateFromPemFile(Path, KeyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(Path, Password, KeyPath);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(Path);
        return (leaf, Rest(all, leaf));
    }

    private (X509Certificate2, X509Certificate2Collection) LoadPkcs12()
    {
        var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(Path, Password);
        X509Certificate2? leaf = null;
        foreach (var certificate in all)
        {
            if (certificate.HasPrivateKey)
            {
                leaf = certificate;
                break;
            }
        }

        leaf ??= all.Count > 0 ? all[0] : throw new CryptographicException("the file holds no certificate.");
        return (leaf, Rest(all, leaf));
    }

    private static X509Certificate2Collection Rest(X509Certificate2Collection all, X509Certificate2 leaf)
    {
        var rest = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.Thumbprint != leaf.Thumbprint)
            {
                rest.Add(certificate);
            }
        }

        return rest;
    }

    private static bool IsPem(string path)
    {
        Span<byte> start = stackalloc byte[64];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return System.Text.Encoding.ASCII.GetString(start[..read]).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";
}
