namespace Gateway.Tls;

/// <summary>The certificates of every https listener, loaded once at start and disposed (watchers stopped) with the host.</summary>
internal sealed class TlsEndpoints(TimeProvider time, ILogger<TlsEndpoints> logger) : IDisposable
{
    private readonly Dictionary<string, TlsCertificates> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    /// <summary>The endpoint's certificates, loaded and watched from the first call on.</summary>
    public TlsCertificates For(TlsEndpointOptions options)
    {
        lock (_gate)
        {
            if (!_endpoints.TryGetValue(options.Endpoint, out var certificates))
            {
                certificates = TlsCertificates.Create(options, time, logger);
                _endpoints[options.Endpoint] = certificates;
            }

            return certificates;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var certificates in _endpoints.Values)
            {
                certificates.Dispose();
            }

            _endpoints.Clear();
        }
    }
}
