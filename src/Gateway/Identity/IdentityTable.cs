using System.Collections.Frozen;

namespace Gateway.Identity;

/// <summary>Everything the identity step reads for one request, from one configuration and one key set; immutable.</summary>
internal sealed record IdentityTable(
    long Revision,
    FrozenDictionary<string, RouteIdentity> Routes,
    ApiKeyTable Keys,
    JwtValidator? Jwt,
    string ApiKeyHeader,
    string ConsumerHeader,
    bool HideCredentials,
    int MaxFailedVerificationsPerSecond,
    bool RedisConsumers)
{
    public static readonly IdentityTable Empty = new(
        0,
        FrozenDictionary<string, RouteIdentity>.Empty,
        ApiKeyTable.Empty,
        null,
        IdentityConstants.DefaultApiKeyHeader,
        IdentityConstants.DefaultConsumerHeader,
        false,
        IdentityConstants.DefaultMaxFailedVerificationsPerSecond,
        false);
}
