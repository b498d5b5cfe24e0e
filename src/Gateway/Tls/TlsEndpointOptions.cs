using System.Security.Authentication;

namespace Gateway.Tls;

/// <summary>The TLS of one https endpoint, as read from its <c>Kestrel:Endpoints</c> entry.</summary>
/// <param name="Endpoint">The endpoint's name, for logs.</param>
/// <param name="Certificate">The certificate for names no <c>Sni</c> entry matches (and clients that send none).</param>
/// <param name="Sni">A certificate per host name: exact names, <c>*.example.com</c> for any subdomain, <c>*</c> for any.</param>
/// <param name="SslProtocols">TLS 1.2 and/or 1.3.</param>
internal sealed record TlsEndpointOptions(
    string Endpoint,
    CertificateFile? Certificate,
    IReadOnlyDictionary<string, CertificateFile> Sni,
    SslProtocols SslProtocols)
{
    /// <summary>Every certificate of the endpoint, keyed by the host name it serves (<c>""</c> for the endpoint's own).</summary>
    public IEnumerable<KeyValuePair<string, CertificateFile>> All()
    {
        if (Certificate is not null)
        {
            yield return new(string.Empty, Certificate);
        }

        foreach (var entry in Sni)
        {
            yield return entry;
        }
    }
}
