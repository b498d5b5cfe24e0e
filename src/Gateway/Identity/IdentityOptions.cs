namespace Gateway.Identity;

/// <summary>
/// Who may call a route: <c>Gateway:Identity</c>. Consumers with API keys, one JWT issuer, and named policies that
/// routes reference through YARP's <c>AuthorizationPolicy</c> field.
/// </summary>
public sealed record IdentityOptions
{
    /// <summary>The request header that carries an API key. Default <c>X-Api-Key</c>.</summary>
    public string ApiKeyHeader { get; init; } = IdentityConstants.DefaultApiKeyHeader;

    /// <summary>
    /// The header the gateway sets on requests to backends with the authenticated consumer's name (an API-key consumer,
    /// or a token's <see cref="JwtOptions.ConsumerClaim"/>). Must start with <c>X-Gateway-</c>, so a client's own copy
    /// is always removed. Default <c>X-Gateway-Consumer</c>.
    /// </summary>
    public string ConsumerHeader { get; init; } = IdentityConstants.DefaultConsumerHeader;

    /// <summary>
    /// Whether the client's credential (the API-key header, or <c>Authorization</c> for a token) is removed before
    /// the request goes to the backend. Default false: backends that check tokens themselves still get them.
    /// </summary>
    public bool HideCredentials { get; init; }

    /// <summary>
    /// Validated tokens remembered (until their expiry) so a repeated token is not verified again, and, in a cache of
    /// their own of the same size, refused ones for 10 s. Default 10,000, range 0 (off) to 1,000,000; a full cache is
    /// emptied and fills again.
    /// </summary>
    public int TokenCacheSize { get; init; } = IdentityConstants.DefaultTokenCacheSize;

    /// <summary>
    /// Tokens per second from one client (its address, as rate limits see it) that may fail signature verification;
    /// beyond it, the client's tokens the cache does not know are refused (401) without being verified until the
    /// second ends, so forging tokens cannot make the gateway spend a signature check on each. Default 10, range 0
    /// (no budget) to 100,000.
    /// </summary>
    public int MaxFailedVerificationsPerSecond { get; init; } = IdentityConstants.DefaultMaxFailedVerificationsPerSecond;

    /// <summary>
    /// Whether API keys unknown to <see cref="Consumers"/> are looked up in Redis (<c>Gateway:Redis</c>), in the hash
    /// <c>&lt;KeyPrefix&gt;consumers</c> (field: the key's SHA-256 hex; value: the consumer name), so every instance of
    /// a fleet knows the consumers an operator adds there. Default false.
    /// </summary>
    public bool RedisConsumers { get; init; }

    /// <summary>API-key consumers by name. Default none.</summary>
    public IReadOnlyDictionary<string, ConsumerOptions> Consumers { get; init; } =
        new Dictionary<string, ConsumerOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The JWT issuer whose bearer tokens <c>Jwt</c> policies accept.</summary>
    public JwtOptions Jwt { get; init; } = new();

    /// <summary>Named policies, referenced by a route's <c>AuthorizationPolicy</c>; names are case-insensitive. Default none.</summary>
    public IReadOnlyDictionary<string, IdentityPolicyOptions> Policies { get; init; } =
        new Dictionary<string, IdentityPolicyOptions>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One API-key consumer: <c>Gateway:Identity:Consumers:&lt;name&gt;</c>.</summary>
public sealed record ConsumerOptions
{
    /// <summary>
    /// The consumer's keys as SHA-256 digests (64 hex digits of the key's UTF-8 bytes, e.g. from
    /// <c>printf %s "$KEY" | sha256sum</c>), never the keys themselves. Several allow rotation. Default none.
    /// </summary>
    public IReadOnlyList<string> KeyHashes { get; init; } = [];
}

/// <summary>The JWT issuer: <c>Gateway:Identity:Jwt</c>. Required when a policy has <c>Scheme: Jwt</c>.</summary>
public sealed record JwtOptions
{
    /// <summary>The required <c>iss</c>. Default none.</summary>
    public string? Issuer { get; init; }

    /// <summary>Accepted <c>aud</c> values; a token must name at least one. Default none.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>A JWKS document (the issuer's public signing keys) on disk, read again every refresh. Default none.</summary>
    public string? JwksFile { get; init; }

    /// <summary>
    /// The issuer's JWKS URL (https; http only to a loopback address), fetched in the background. Exactly one of
    /// <see cref="JwksFile"/> and <see cref="JwksUrl"/>. Default none.
    /// </summary>
    public string? JwksUrl { get; init; }

    /// <summary>
    /// How often the key set is fetched again; a failed fetch keeps the last good keys and is retried after 5 s.
    /// Default 5 min, range 1 s to 1 day.
    /// </summary>
    public TimeSpan JwksRefreshInterval { get; init; } = IdentityConstants.DefaultJwksRefreshInterval;

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c> against the gateway's clock. Default 30 s, range 0 to 5 min.</summary>
    public TimeSpan ClockSkew { get; init; } = IdentityConstants.DefaultClockSkew;

    /// <summary>The claim that names the consumer (header, <c>PartitionBy: Consumer</c>). Default <c>sub</c>.</summary>
    public string ConsumerClaim { get; init; } = IdentityConstants.DefaultConsumerClaim;

    /// <summary>Accepted signing algorithms, asymmetric only. Default RS256, ES256, PS256.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = IdentityConstants.DefaultAlgorithms;
}

/// <summary>One policy: <c>Gateway:Identity:Policies:&lt;name&gt;</c>, named by routes' <c>AuthorizationPolicy</c>.</summary>
public sealed record IdentityPolicyOptions
{
    /// <summary><c>ApiKey</c> (default) or <c>Jwt</c>.</summary>
    public string Scheme { get; init; } = IdentityConstants.ApiKey;

    /// <summary>ApiKey: the consumers allowed (others get 403); default none, which allows every consumer.</summary>
    public IReadOnlyList<string> Consumers { get; init; } = [];

    /// <summary>
    /// Jwt: claims the token must carry, each <c>name</c> (present) or <c>name=value</c> (the value, or one of its
    /// space-separated words or array items, as for <c>scope</c>); a token without them gets 403. Default none.
    /// </summary>
    public IReadOnlyList<string> RequiredClaims { get; init; } = [];
}
