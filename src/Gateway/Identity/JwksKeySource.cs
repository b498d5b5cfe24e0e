using Gateway.Utilities;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>
/// Keeps the JWT issuer's signing keys: reads <c>Gateway:Identity:Jwt:JwksFile</c> or fetches <c>JwksUrl</c> at start
/// (the listeners open after it, so the first requests find keys) and then every <c>JwksRefreshInterval</c> in the
/// background. A failed or empty fetch keeps the last good keys and is tried again after 5 s; a reload that changes the
/// location or interval fetches at once.
/// </summary>
internal sealed class JwksKeySource : BackgroundService
{
    private readonly IConfigSource _config;
    private readonly TimeProvider _time;
    private readonly string _contentRoot;
    private readonly IdentityMetrics _metrics;
    private readonly ILogger<JwksKeySource> _logger;
    private readonly HttpClient _http;
    private JwksKeys _current = JwksKeys.None;
    private CancellationTokenSource _wake = new();
    private string? _attempted;
    private TimeSpan _interval;
    private DateTimeOffset _nextFetch;

    public JwksKeySource(IConfigSource config, TimeProvider time, IHostEnvironment environment, IdentityMetrics metrics, ILogger<JwksKeySource> logger)
    {
        _config = config;
        _time = time;
        _contentRoot = environment.ContentRootPath;
        _metrics = metrics;
        _logger = logger;
        _http = new HttpClient { Timeout = IdentityConstants.JwksFetchTimeout };
        config.Applied += OnApplied;
    }

    /// <summary>The last good keys; <see cref="JwksKeys.None"/> before the first good fetch.</summary>
    public JwksKeys Current => Volatile.Read(ref _current);

    /// <summary>Raised after a fetch brings a new key set.</summary>
    public event Action<JwksKeys>? Changed;

    /// <summary>The JWKS location configured now (a full path or a URL), or null when none is.</summary>
    public string? ConfiguredLocation() => LocationOf(_config.Current.Section<IdentityOptions>().Jwt, _contentRoot);

    internal static string? LocationOf(JwtOptions jwt, string contentRoot) =>
        jwt.JwksUrl is { Length: > 0 } url ? url
        : jwt.JwksFile is { Length: > 0 } file ? Path.GetFullPath(file, contentRoot)
        : null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await FetchIfDueAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _config.Applied -= OnApplied;
        _http.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Read before deciding: a reload after this line cancels the wait below.
            var wake = Volatile.Read(ref _wake);
            var delay = await FetchIfDueAsync(stoppingToken);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, wake.Token);
            try
            {
                await Task.Delay(delay, _time, linked.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Fetches when the location is new or the time has come; returns how long to wait before looking again.</summary>
    private async Task<TimeSpan> FetchIfDueAsync(CancellationToken cancellationToken)
    {
        var jwt = _config.Current.Section<IdentityOptions>().Jwt;
        var location = LocationOf(jwt, _contentRoot);
        if (location is null)
        {
            _attempted = null;
            return Timeout.InfiniteTimeSpan;
        }

        if (location != _attempted || jwt.JwksRefreshInterval != _interval || _time.GetUtcNow() >= _nextFetch)
        {
            _attempted = location;
            _interval = jwt.JwksRefreshInterval;
            var fetched = await FetchAsync(location, cancellationToken);
            var wait = fetched ? _interval : (IdentityConstants.JwksRetryDelay < _interval ? IdentityConstants.JwksRetryDelay : _interval);
            _nextFetch = _time.GetUtcNow() + wait;
        }

        var left = _nextFetch - _time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private async Task<bool> FetchAsync(string location, CancellationToken cancellationToken)
    {
        var shown = Shown(location);
        try
        {
            var json = await ReadAsync(location, cancellationToken);
            var keys = new JsonWebKeySet(json).GetSigningKeys();
            if (keys.Count == 0)
            {
                throw new InvalidDataException("the document holds no usable signing key");
            }

            var previous = Current;
            var next = new JwksKeys(location, [.. keys], previous.Version + 1);
            Volatile.Write(ref _current, next);
            _metrics.JwksFetched(success: true);
            Log.JwksRefreshed(_logger, shown, keys.Count);
            Changed?.Invoke(next);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or OperationCanceledException or System.Text.Json.JsonException)
        {
            // The message names the cause (status, parse error); it carries no key material.
            _metrics.JwksFetched(success: false);
            Log.JwksRefreshFailed(_logger, shown, Current.Location == location ? Current.Keys.Count : 0, ex.GetType().Name + ": " + ex.Message);
            return false;
        }
    }

    private async Task<string> ReadAsync(string location, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.IsFile)
        {
            if (new FileInfo(location).Length > IdentityConstants.MaxJwksBytes)
            {
                throw new InvalidDataException($"the file is larger than {IdentityConstants.MaxJwksBytes} bytes");
            }

            return await File.ReadAllTextAsync(location, cancellationToken);
        }

        using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > IdentityConstants.MaxJwksBytes)
        {
            throw new InvalidDataException($"the document is larger than {IdentityConstants.MaxJwksBytes} bytes");
        }

        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>A URL without its query (which may carry a secret); a file path as it is.</summary>
    private static string Shown(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && !uri.IsFile ? uri.GetLeftPart(UriPartial.Path) : location;

    private void OnApplied(IAppliedConfig config)
    {
        var jwt = config.Section<IdentityOptions>().Jwt;
        if (LocationOf(jwt, _contentRoot) != _attempted || jwt.JwksRefreshInterval != _interval)
        {
            var old = Interlocked.Exchange(ref _wake, new CancellationTokenSource());
            // Not disposed: the refresh loop may be linking to its token right now.
            old.Cancel();
        }
    }
}
