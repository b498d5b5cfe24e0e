using System.Security.Authentication;

namespace Gateway.Tls;

internal static class TlsConstants
{
    public const string CertificateKey = "Certificate";
    public const string SniKey = "Sni";
    public const string SslProtocolsKey = "SslProtocols";

    /// <summary>The keys of a <c>Certificate</c>: a PEM certificate (chain) and key, or a PKCS#12 (PFX) file.</summary>
    public static readonly string[] CertificateKeys = ["Path", "KeyPath", "Password"];

    /// <summary>TLS 1.2 and 1.3 only: every older version has known attacks and is refused by current browsers.</summary>
    public const SslProtocols AllowedSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary><see cref="AllowedSslProtocols"/> as configuration writes them.</summary>
    public static readonly IReadOnlyList<string> AllowedSslProtocolNames = [nameof(SslProtocols.Tls12), nameof(SslProtocols.Tls13)];

    /// <summary>
    /// Wait after a change in a certificate's folder before reading it: tools write a certificate and its key as two
    /// files, and a pair read between the two writes does not match (it would be refused and retried anyway).
    /// </summary>
    public static readonly TimeSpan ReloadDelay = TimeSpan.FromMilliseconds(300);
}
