using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Tls;

/// <summary>
/// The certificates of one https endpoint, chosen per handshake by the client's server name (SNI) and replaced
/// when their files change: every change in a certificate's folder (an editor's save, certbot's rename, a
/// Kubernetes secret's symlink swap) reloads them all after <see cref="TlsConstants.ReloadDelay"/>. A set that
/// fails to load (a key written after its certificate, an expired renewal) is refused and the last good one keeps
/// serving; connections already open keep the certificate they shook hands with.
/// </summary>
internal sealed class TlsCertificates : IDisposable
{
    private readonly TlsEndpointOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ITimer _reloadTimer;
    private Selection _current;

    private TlsCertificates(TlsEndpointOptions options, Selection initial, TimeProvider time, ILogger logger)
    {
        _options = options;
        _current = initial;
        _time = time;
        _logger = logger;
        _reloadTimer = time.CreateTimer(static s => ((TlsCertificates)s!).Reload(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Loads the endpoint's certificates and starts watching their folders.</summary>
    /// <exception cref="InvalidOperationException">A certificate does not load (validation should have refused it).</exception>
    public static TlsCertificates Create(TlsEndpointOptions options, TimeProvider time, ILogger logger, bool watch = true)
    {
        var initial = Selection.Load(options, time.GetUtcNow(), out var error)
            ?? throw new InvalidOperationException($"Endpoint {options.Endpoint}: {error}");
        var certificates = new TlsCertificates(options, initial, time, logger);
        if (watch)
        {
            certificates.Watch();
        }

        return certificates;
    }

    /// <summary>Reloads happened so far (for tests and the log).</summary>
    public int Reloads { get; private set; }

    /// <summary>The handshake options for a client that asked for <paramref name="serverName"/>.</summary>
    /// <exception cref="AuthenticationException">No certificate serves that name: the handshake fails.</exception>
    public SslServerAuthenticationOptions OptionsFor(string? serverName, List<SslApplicationProtocol> applicationProtocols)
    {
        var context = Volatile.Read(ref _current).Find(serverName)
            ?? throw new AuthenticationException($"No certificate for server name '{serverName}' on endpoint '{_options.Endpoint}'.");
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = _options.SslProtocols,
            ApplicationProtocols = applicationProtocols,
            // RFC 9113 9.2.1: no renegotiation on HTTP/2, and nothing here needs it on HTTP/1.1.
            AllowRenegotiation = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    /// <summary>Reads the files again now; keeps the current certificates when they do not load.</summary>
    public void Reload()
    {
        var next = Selection.Load(_options, _time.GetUtcNow(), out var error);
        if (next is null)
        {
            Log.CertificateReloadFailed(_logger, _options.Endpoint, error!);
            return;
        }

        if (next.Fingerprint == Volatile.Read(ref _current).Fingerprint)
        {
            return;
        }

        Volatile.Write(ref _current, next);
        Reloads++;
        Log.CertificatesReloaded(_logger, _options.Endpoint, next.Description);
    }

    private void Watch()
    {
        foreach (var directory in _options.All().SelectMany(c => c.Value.Files).Select(f => Path.GetDirectoryName(f)!).Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName };
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Renamed += OnChange;
            watcher.Deleted += OnChange;
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    // Every event restarts the delay, so a burst of writes is read once, after the last.
    private void OnChange(object sender, FileSystemEventArgs e) => _reloadTimer.Change(TlsConstants.ReloadDelay, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _reloadTimer.Dispose();
    }

    /// <summary>One loaded set of certificates, never changed once built.</summary>
    private sealed class Selection
    {
        private readonly SslStreamCertificateContext? _default;
        private readonly Dictionary<string, SslStreamCertificateContext> _exact;
        private readonly (string Suffix, SslStreamCertificateContext Context)[] _wildcards;
        private readonly SslStreamCertificateContext? _any;

        private Selection(
            SslStreamCertificateContext? @default,
            Dictionary<string, SslStreamCertificateContext> exact,
            (string, SslStreamCertificateContext)[] wildcards,
            SslStreamCertificateContext? any,
            List<(string, X509Certificate2)> leaves)
        {
            _default = @default;
            _exact = exact;
            _wildcards = wildcards;
            _any = any;
            Fingerprint = string.Join(";", leaves.Select(l => $"{l.Item1}={l.Item2.Thumbprint}"));
            Description = string.Join(", ", leaves.Select(l =>
                $"{(l.Item1.Length == 0 ? "default" : l.Item1)}: {l.Item2.Subject} until {l.Item2.NotAfter.ToUniversalTime():u}"));
        }

        /// <summary>Which certificate serves which name, to tell a real change from a touched file.</summary>
        public string Fingerprint { get; }

        /// <summary>Each name's certificate subject and expiry, for the log.</summary>
        public string Description { get; }

        public static Selection? Load(TlsEndpointOptions options, DateTimeOffset now, out string? error)
        {
            error = null;
            SslStreamCertificateContext? @default = null;
            SslStreamCertificateContext? any = null;
            var exact = new Dictionary<string, SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
            var wildcards = new List<(string, SslStreamCertificateContext)>();
            var leaves = new List<(string, X509Certificate2)>();
            foreach (var (host, file) in options.All())
            {
                var loaded = file.Load(now, out error);
                if (loaded is null)
                {
                    return null;
                }

                var (leaf, chain) = loaded.Value;
                // Offline: the chain is built from the file's own certificates, and sent whole.
                var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
                leaves.Add((host, leaf));
                if (host.Length == 0)
                {
                    @default = context;
                }
                else if (host == "*")
                {
                    any = context;
                }
                else if (host.StartsWith("*.", StringComparison.Ordinal))
                {
                    wildcards.Add((host[1..], context));
                }
                else
                {
                    exact[host] = context;
                }
            }

            // The longest suffix first, so a.b.example.com prefers *.b.example.com to *.example.com.
            wildcards.Sort(static (a, b) => b.Item1.Length.CompareTo(a.Item1.Length));
            return new Selection(@default, exact, [.. wildcards], any, leaves);
        }

        public SslStreamCertificateContext? Find(string? serverName)
        {
            if (!string.IsNullOrEmpty(serverName))
            {
                if (_exact.TryGetValue(serverName, out var exact))
                {
                    return exact;
                }

                foreach (var (suffix, context) in _wildcards)
                {
                    if (serverName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && serverName.Length > suffix.Length)
                    {
                        return context;
                    }
                }
            }

            return _any ?? _default;
        }
    }
}
