using Gateway.Telemetry;
using Gateway.Utilities;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Owns the live <see cref="ConfigSnapshot"/>: loads it at start-up, watches the configuration files, validates
/// each change whole, and either swaps the snapshot atomically or refuses the change and keeps the last good one.
/// YARP reads its routes and clusters from here, so YARP and the gateway's policies always change together.
/// </summary>
internal sealed class ConfigSnapshotSource : IProxyConfigProvider, IConfigSource, IDisposable
{
    // File watchers fire several times for one save (truncate, write, rename); one reload per burst is enough.
    internal static readonly TimeSpan DebounceDelay = TimeSpan.FromMilliseconds(150);

    private readonly IConfiguration _configuration;
    private readonly IServiceProvider _services;
    private ConfigSnapshotLoader? _loader;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigSnapshotSource> _logger;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly ITimer _debounce;
    private IReadOnlyList<string> _files = [];
    private HashSet<string> _requiredFiles = [];
    private IDisposable? _watch;
    private ConfigSnapshot? _current;
    private ConfigReloadReport? _lastReload;
    private long _proxyRevision;
    private string? _lastFingerprint;

    /// <param name="services">
    /// Resolves the loader on first load: it validates with YARP's services, which include the gateway's own
    /// policies, which read the snapshot from here.
    /// </param>
    public ConfigSnapshotSource(IConfiguration configuration, IServiceProvider services, GatewayMetrics metrics, TimeProvider time, ILogger<ConfigSnapshotSource> logger)
    {
        _configuration = configuration;
        _services = services;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _debounce = time.CreateTimer(_ => _ = ReloadAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The snapshot serving now. Throws before <see cref="InitializeAsync"/> succeeded.</summary>
    public ConfigSnapshot Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The configuration has not been loaded yet.");

    /// <summary>The last load attempt, applied or rejected.</summary>
    public ConfigReloadReport? LastReload => Volatile.Read(ref _lastReload);

    /// <summary>The revision YARP's route table runs now; trails <see cref="Current"/> by the moment YARP takes to rebuild.</summary>
    public long ProxyRevision => Interlocked.Read(ref _proxyRevision);

    /// <summary>Raised after a new snapshot was applied.</summary>
    public event Action<IAppliedConfig>? Applied;

    IAppliedConfig IConfigSource.Current => Current;

    IProxyConfig IProxyConfigProvider.GetConfig() => Current;

    internal void MarkProxyApplied(long revision)
    {
        var seen = Interlocked.Read(ref _proxyRevision);
        while (revision > seen)
        {
            var previous = Interlocked.CompareExchange(ref _proxyRevision, revision, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    /// <summary>Loads and validates the start-up configuration and, when it is valid, starts watching for changes.</summary>
    /// <returns>The errors that make the configuration unusable; empty on success.</returns>
    public async Task<IReadOnlyList<ConfigError>> InitializeAsync(bool watch = true)
    {
        _files = ConfigFileCheck.JsonFiles(_configuration);
        _requiredFiles = new HashSet<string>(_files.Where(File.Exists), StringComparer.Ordinal);
        var report = await LoadAsync();
        if (report.Outcome == ConfigReloadOutcome.Applied && watch)
        {
            _watch = ChangeToken.OnChange(_configuration.GetReloadToken, () => _debounce.Change(DebounceDelay, Timeout.InfiniteTimeSpan));
        }

        return report.Errors;
    }

    /// <summary>Re-reads the configuration now; used by the file watcher and by tests.</summary>
    public async Task<ConfigReloadReport> ReloadAsync()
    {
        try
        {
            return await LoadAsync();
        }
        catch (Exception ex)
        {
            // A reload runs on a timer thread; an exception here must not take the process down.
            Log.ReloadFailed(_logger, ex);
            return Reject([new ConfigError("(reload)", ex.Message)]);
        }
    }

    private async Task<ConfigReloadReport> LoadAsync()
    {
        await _reloadGate.WaitAsync();
        try
        {
            var fileErrors = new ConfigErrorList();
            ConfigFileCheck.Check(_files, _requiredFiles, fileErrors);
            var fingerprint = ConfigFingerprint.Compute(_configuration, fileErrors.Errors);
            if (fingerprint == _lastFingerprint && _lastReload is { } unchanged)
            {
                return unchanged;
            }

            _lastFingerprint = fingerprint;
            if (fileErrors.HasErrors)
            {
                return Reject(fileErrors.Errors);
            }

            _loader ??= _services.GetRequiredService<ConfigSnapshotLoader>();
            var (candidate, errors) = await _loader.LoadAsync(_configuration);
            return candidate is null ? Reject(errors) : Apply(candidate);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private ConfigReloadReport Apply(ConfigCandidate candidate)
    {
        var previous = _current;
        var snapshot = new ConfigSnapshot((previous?.Revision ?? 0) + 1, candidate.Routes, candidate.Clusters, candidate.Gateway, _time.GetUtcNow());
        if (previous is not null)
        {
            WarnAboutStartupOnlyKeys(previous.Gateway, snapshot.Gateway);
        }

        Volatile.Write(ref _current, snapshot);
        // Subscribers rebuild what depends on the snapshot before the reload is reported, so whoever waits for the
        // report (an operator, /admin/config, a test) never sees "applied" with a half-rebuilt gateway.
        previous?.MarkSuperseded();
        Applied?.Invoke(snapshot);

        var report = new ConfigReloadReport(snapshot.AppliedAt, ConfigReloadOutcome.Applied, [], snapshot.Revision);
        Volatile.Write(ref _lastReload, report);
        Log.ConfigApplied(_logger, snapshot.Revision, snapshot.Routes.Count, snapshot.Clusters.Count);
        _metrics.ConfigReloaded(ConfigReloadOutcome.Applied);
        return report;
    }

    private ConfigReloadReport Reject(IReadOnlyList<ConfigError> errors)
    {
        var serving = Volatile.Read(ref _current)?.Revision ?? 0;
        var report = new ConfigReloadReport(_time.GetUtcNow(), ConfigReloadOutcome.Rejected, errors, serving);
        Volatile.Write(ref _lastReload, report);
        Log.ConfigRejected(_logger, errors.Count, serving);
        foreach (var error in errors)
        {
            Log.ConfigError(_logger, error.Path, error.Reason);
        }

        _metrics.ConfigReloaded(ConfigReloadOutcome.Rejected);
        return report;
    }

    private void WarnAboutStartupOnlyKeys(GatewayOptions before, GatewayOptions after)
    {
        // The admin listener's certificate files reload themselves; where they are is read at start-up.
        if (!before.Admin.SameListener(after.Admin))
        {
            Log.RestartRequired(_logger, "Gateway:Admin (Urls, Certificate or SslProtocols)");
        }

        if (before.Telemetry != after.Telemetry)
        {
            Log.RestartRequired(_logger, "Gateway:Telemetry");
        }

        // The body size, upstream timeouts and connection rates apply on reload; the rest of Limits is Kestrel's, read
        // at start-up.
        if (Startup(before.Limits) != Startup(after.Limits))
        {
            Log.RestartRequired(_logger, Limits.LimitsConstants.SectionPath);
        }
    }

    private static Limits.LimitsOptions Startup(Limits.LimitsOptions limits) => limits with
    {
        MaxRequestBodySize = 0,
        UpstreamActivityTimeout = default,
        MaxNewConnectionsPerSecond = 0,
        MaxNewConnectionsPerSecondPerClient = 0,
    };

    public void Dispose()
    {
        _watch?.Dispose();
        _debounce.Dispose();
        _reloadGate.Dispose();
    }
}
