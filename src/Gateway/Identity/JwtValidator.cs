using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>
/// Verifies bearer tokens against one issuer's settings and one key set, with the handler ASP.NET Core's JwtBearer
/// authentication uses (<see cref="JsonWebTokenHandler"/>), and remembers outcomes in a <see cref="TokenCache"/>.
/// Immutable: a new key set or new settings make a new validator (and a new, empty cache).
/// </summary>
internal sealed class JwtValidator
{
    private static readonly JsonWebTokenHandler s_handler = new();

    private readonly TokenValidationParameters _parameters;
    private readonly JwsSignatureCheck _signatures;
    private readonly string _consumerClaim;
    private readonly TimeProvider _time;

    public JwtValidator(JwtOptions options, JwksKeys keys, int cacheSize, TimeProvider time)
    {
        Options = options;
        Keys = keys;
        _consumerClaim = options.ConsumerClaim;
        _time = time;
        Cache = new TokenCache(cacheSize, time);
        _signatures = new JwsSignatureCheck(keys.Keys, options.Algorithms);
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudiences = options.Audiences,
            IssuerSigningKeys = keys.Keys,
            ValidAlgorithms = options.Algorithms,
            ClockSkew = options.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            NameClaimType = options.ConsumerClaim,
            // The handler's own lifetime check reads the system clock; this one reads the gateway's TimeProvider.
            LifetimeValidator = IsWithinLifetime,
        };
    }

    public JwtOptions Options { get; }

    public JwksKeys Keys { get; }

    /// <summary>
    /// Tokens verified valid, until their <c>exp</c>, and tokens refused, for <see cref="IdentityConstants.RefusalCacheTime"/>
    /// (bounded apart, so a flood of distinct forged tokens never empties the valid clients' entries).
    /// </summary>
    public TokenCache Cache { get; }

    /// <summary>Whether the token's outcome is cached: its identity, or null when it was refused. One lookup.</summary>
    public bool TryCached(ReadOnlySpan<char> token, out GatewayIdentity? identity) => Cache.TryGet(token, out identity);

    /// <summary>
    /// Verifies <paramref name="token"/>; null when it is refused. The outcome is cached. The signature is checked first
    /// by <see cref="JwsSignatureCheck"/>, which refuses a forged token without the handler's failure path.
    /// </summary>
    public async ValueTask<GatewayIdentity?> ValidateAsync(string token)
    {
        if (Keys.Keys.Count == 0 || !LooksLikeJws(token))
        {
            // Not cached: refusing these costs less than a cache entry.
            return null;
        }

        // Forged tokens are refused here, cheaply; only a token signed by the key it names costs the handler's checks.
        var result = _signatures.Check(token) == JwsVerdict.Forged ? null : await s_handler.ValidateTokenAsync(token, _parameters);
        if (result is { IsValid: true } &&
            result.ClaimsIdentity is { } claims &&
            claims.FindFirst(_consumerClaim)?.Value is { } consumer &&
            IsHeaderSafe(consumer))
        {
            var identity = new GatewayIdentity(consumer, new ClaimsPrincipal(claims));
            Cache.Add(token, identity, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero));
            return identity;
        }

        Cache.Add(token, null, _time.GetUtcNow() + IdentityConstants.RefusalCacheTime);
        return null;
    }

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var skew = parameters.ClockSkew;
        return expires is { } exp && exp.ToUniversalTime() > now - skew &&
            (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + skew);
    }

    /// <summary>Three base64url parts, within the length bound: anything else is refused before parsing.</summary>
    internal static bool LooksLikeJws(ReadOnlySpan<char> token)
    {
        if (token.Length > IdentityConstants.MaxTokenLength)
        {
            return false;
        }

        var dots = 0;
        foreach (var c in token)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return dots == 2;
    }

    /// <summary>The consumer goes to backends in a header: visible ASCII, bounded, or the token is refused.</summary>
    internal static bool IsHeaderSafe(string consumer)
    {
        if (consumer.Length is 0 or > IdentityConstants.MaxApiKeyLength)
        {
            return false;
        }

        foreach (var c in consumer)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
