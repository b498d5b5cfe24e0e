using System.Collections.Frozen;
using Gateway.Utilities;

namespace Gateway.Identity;

/// <summary>
/// Builds an <see cref="IdentityTable"/> for every applied configuration and every new signing-key set. The JWT
/// validator (and its token cache) is kept while neither its settings nor its keys change.
/// </summary>
internal sealed class IdentityTableSource : IDisposable
{
    private readonly IConfigSource _config;
    private readonly JwksKeySource _jwks;
    private readonly TimeProvider _time;
    private readonly ILogger<IdentityTableSource> _logger;
    private static readonly string[] s_none = [];

    private readonly Lock _gate = new();
    private IdentityTable _current = IdentityTable.Empty;

    public IdentityTableSource(IConfigSource config, JwksKeySource jwks, TimeProvider time, ILogger<IdentityTableSource> logger)
    {
        _config = config;
        _jwks = jwks;
        _time = time;
        _logger = logger;
        config.Applied += OnApplied;
        jwks.Changed += OnKeys;
        Build(config.Current, force: false);
    }

    public IdentityTable Current => Volatile.Read(ref _current);

    private void OnApplied(IAppliedConfig snapshot) => Build(snapshot, force: false);

    private void OnKeys(JwksKeys keys) => Build(_config.Current, force: true);

    private void Build(IAppliedConfig snapshot, bool force)
    {
        // Reloads and key fetches are rare and may race; the lock keeps them in order.
        lock (_gate)
        {
            var previous = _current;
            if (!force && snapshot.Revision <= previous.Revision)
            {
                return;
            }

            var options = snapshot.Section<IdentityOptions>();
            var routes = new Dictionary<string, RouteIdentity>(StringComparer.OrdinalIgnoreCase);
            foreach (var route in snapshot.Routes)
            {
                if (route.AuthorizationPolicy is { Length: > 0 } name && options.Policies.TryGetValue(name, out var policy))
                {
                    routes[route.RouteId] = new RouteIdentity(name, policy, options.ApiKeyHeader);
                }
            }

            var keys = previous.Revision == snapshot.Revision && !ReferenceEquals(previous.Keys, ApiKeyTable.Empty)
                ? previous.Keys
                : ApiKeyTable.From(options.Consumers);
            var table = new IdentityTable(
                snapshot.Revision,
                routes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
                keys,
                Validator(options, previous.Jwt),
                options.ApiKeyHeader,
                options.ConsumerHeader,
                options.HideCredentials,
                options.MaxFailedVerificationsPerSecond,
                options.RedisConsumers);
            Volatile.Write(ref _current, table);
            Log.IdentityApplied(_logger, routes.Count, options.Consumers.Count, table.Jwt?.Keys.Keys.Count ?? 0);
        }
    }

    private JwtValidator? Validator(IdentityOptions options, JwtValidator? previous)
    {
        var jwt = options.Jwt;
        if (jwt.Issuer is null)
        {
            return null;
        }

        // Keys fetched from another location (before a reload moved it) verify nothing for this issuer.
        var keys = _jwks.Current;
        if (keys.Location != _jwks.ConfiguredLocation())
        {
            keys = JwksKeys.None;
        }

        return previous is not null && SameSettings(previous.Options, jwt) && ReferenceEquals(previous.Keys, keys) && previous.Cache.Capacity == options.TokenCacheSize
            ? previous
            : new JwtValidator(jwt, keys, options.TokenCacheSize, _time);
    }

    /// <summary>
    /// Record equality compares the lists by reference, and every reload binds new ones: compared by content, so a
    /// reload that leaves the JWT settings alone keeps the validator and its cache.
    /// </summary>
    internal static bool SameSettings(JwtOptions a, JwtOptions b) =>
        a with { Audiences = s_none, Algorithms = s_none } == b with { Audiences = s_none, Algorithms = s_none } &&
        a.Audiences.SequenceEqual(b.Audiences, StringComparer.Ordinal) &&
        a.Algorithms.SequenceEqual(b.Algorithms, StringComparer.Ordinal);

    public void Dispose()
    {
        _config.Applied -= OnApplied;
        _jwks.Changed -= OnKeys;
    }
}
