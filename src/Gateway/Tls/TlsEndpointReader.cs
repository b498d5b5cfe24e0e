using System.Security.Authentication;
using Gateway.Utilities;

namespace Gateway.Tls;

/// <summary>
/// Reads and checks the TLS keys of a <c>Kestrel:Endpoints</c> entry (<c>Certificate</c>, <c>Sni</c>,
/// <c>SslProtocols</c>) in Kestrel's own schema. Every certificate is loaded here, so an unreadable, expired or
/// mismatched one stops the gateway at start (or fails <c>validate</c>) with its file, not at the first handshake.
/// </summary>
internal static class TlsEndpointReader
{
    private static readonly string[] s_sniKeys = [TlsConstants.CertificateKey];

    /// <param name="contentRoot">What relative certificate paths are relative to.</param>
    /// <param name="https">Whether the endpoint's Url is https; the keys are refused on a cleartext one.</param>
    /// <param name="name">The endpoint's name in logs; by default its key under <c>Kestrel:Endpoints</c>.</param>
    public static TlsEndpointOptions? Read(IConfigurationSection endpoint, bool https, string contentRoot, DateTimeOffset now, ConfigErrorList errors, string? name = null)
    {
        var certificateSection = endpoint.GetSection(TlsConstants.CertificateKey);
        var sniSection = endpoint.GetSection(TlsConstants.SniKey);
        var sslSection = endpoint.GetSection(TlsConstants.SslProtocolsKey);
        if (!https)
        {
            foreach (var section in new[] { certificateSection, sniSection, sslSection })
            {
                if (section.Exists())
                {
                    errors.Add(section.Path, "applies to https endpoints only; this endpoint's Url is http://.");
                }
            }

            return null;
        }

        var before = errors.Errors.Count;
        var certificate = ReadCertificate(certificateSection, contentRoot, now, errors);
        var sni = new Dictionary<string, CertificateFile>(StringComparer.OrdinalIgnoreCase);
        foreach (var host in sniSection.GetChildren())
        {
            foreach (var key in host.GetChildren())
            {
                if (!s_sniKeys.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
                {
                    errors.Add(key.Path, $"unknown key; an Sni entry has {string.Join(", ", s_sniKeys)}.");
                }
            }

            var hostCertificate = host.GetSection(TlsConstants.CertificateKey);
            if (!hostCertificate.Exists())
            {
                errors.Add(hostCertificate.Path, "is required.");
            }
            else if (ReadCertificate(hostCertificate, contentRoot, now, errors) is { } file)
            {
                sni[host.Key] = file;
            }
        }

        if (!certificateSection.Exists() && !sniSection.GetChildren().Any())
        {
            errors.Add(certificateSection.Path, "is required on an https endpoint (or Sni with a certificate per host name).");
        }

        var protocols = ReadSslProtocols(sslSection, errors);
        return errors.Errors.Count > before ? null : new TlsEndpointOptions(name ?? endpoint.Key, certificate, sni, protocols);
    }

    private static CertificateFile? ReadCertificate(IConfigurationSection section, string contentRoot, DateTimeOffset now, ConfigErrorList errors)
    {
        if (!section.Exists())
        {
            return null;
        }

        var valid = true;
        foreach (var key in section.GetChildren())
        {
            if (!TlsConstants.CertificateKeys.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(key.Path, $"unknown key; a Certificate has {string.Join(", ", TlsConstants.CertificateKeys)} (certificate stores are not supported).");
                valid = false;
            }
        }

        if (string.IsNullOrWhiteSpace(section["Path"]))
        {
            errors.Add($"{section.Path}:Path", "is required.");
            return null;
        }

        var keyPath = section["KeyPath"];
        var file = new CertificateFile(
            Path.GetFullPath(section["Path"]!, contentRoot),
            string.IsNullOrWhiteSpace(keyPath) ? null : Path.GetFullPath(keyPath, contentRoot),
            section["Password"]);
        var loaded = file.Load(now, out var error);
        if (loaded is null)
        {
            errors.Add($"{section.Path}:Path", error!);
            return null;
        }

        loaded.Value.Leaf.Dispose();
        return valid ? file : null;
    }

    private static SslProtocols ReadSslProtocols(IConfigurationSection section, ConfigErrorList errors)
    {
        var names = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (names.Length == 0)
        {
            return TlsConstants.AllowedSslProtocols;
        }

        var result = SslProtocols.None;
        foreach (var name in names)
        {
            if (!Enum.TryParse<SslProtocols>(name.Trim(), ignoreCase: true, out var value) || int.TryParse(name, out _) ||
                value == SslProtocols.None || (value & ~TlsConstants.AllowedSslProtocols) != 0)
            {
                errors.Add(section.Path, $"'{name}' is not allowed; TLS 1.2 and 1.3 only (Tls12, Tls13).");
                return TlsConstants.AllowedSslProtocols;
            }

            result |= value;
        }

        return result;
    }
}
