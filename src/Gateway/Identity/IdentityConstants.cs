namespace Gateway.Identity;

internal static class IdentityConstants
{
    // Scheme names (Gateway:Identity:Policies:<name>:Scheme).
    public const string ApiKey = "ApiKey";
    public const string Jwt = "Jwt";

    public const string DefaultApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// The consumer header's required prefix: the internal-header transform strips every client copy of an
    /// <c>X-Gateway-*</c> header, so a backend can believe the one the gateway sets.
    /// </summary>
    public const string InternalHeaderPrefix = "X-Gateway-";

    public const string DefaultConsumerHeader = "X-Gateway-Consumer";
    public const string DefaultConsumerClaim = "sub";
    public const string BearerPrefix = "Bearer ";
    public const string ForwardedForHeader = "X-Forwarded-For";

    /// <summary>A SHA-256 digest as lowercase or uppercase hex.</summary>
    public const int KeyHashLength = 64;

    /// <summary>
    /// Longer keys and tokens are refused unread: hashing or parsing them would let a client spend the gateway's CPU,
    /// and a cached token is kept as its own key. Real API keys are tens of characters, real tokens a few KB.
    /// </summary>
    public const int MaxApiKeyLength = 256;

    public const int MaxTokenLength = 8192;

    public const int DefaultMaxFailedVerificationsPerSecond = 10;
    public const int MinMaxFailedVerificationsPerSecond = 0;
    public const int MaxMaxFailedVerificationsPerSecond = 100_000;

    public const int DefaultTokenCacheSize = 10_000;

    /// <summary>The Redis hash of shared consumers, after <c>Gateway:Redis:KeyPrefix</c>.</summary>
    public const string RedisConsumersKey = "consumers";

    /// <summary>New consumer lookups one instance sends Redis a second; more unknown keys are refused unasked.</summary>
    public const int MaxRedisLookupsPerSecond = 1000;
    public const int MinTokenCacheSize = 0;
    public const int MaxTokenCacheSize = 1_000_000;

    public static readonly TimeSpan DefaultJwksRefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinJwksRefreshInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxJwksRefreshInterval = TimeSpan.FromDays(1);

    /// <summary>A JWKS fetch that takes longer is abandoned; the last good keys stay.</summary>
    public static readonly TimeSpan JwksFetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A JWKS document over this size is refused (a key set is a few KB).</summary>
    public const int MaxJwksBytes = 1024 * 1024;

    /// <summary>After a failed fetch the next try comes sooner than the interval, but not sooner than this.</summary>
    public static readonly TimeSpan JwksRetryDelay = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinClockSkew = TimeSpan.Zero;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a refused token's refusal is remembered: a client that replays a bad token in a storm is refused from
    /// the cache, and a token refused only for now (not yet valid, keys not yet fetched) is looked at again soon.
    /// </summary>
    public static readonly TimeSpan RefusalCacheTime = TimeSpan.FromSeconds(10);

    /// <summary>Asymmetric algorithms only: a shared secret in a JWKS would let anyone holding it mint tokens.</summary>
    public static readonly string[] DefaultAlgorithms = ["RS256", "ES256", "PS256"];

    public static readonly string[] AllowedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    // Metric tag values.
    public const string Allowed = "allowed";
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";
    public const string Skipped = "skipped";
}
