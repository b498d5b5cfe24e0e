using Gateway.Answers;
using Gateway.ClientIdentity;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Gateway.Utilities;

namespace Gateway.Identity;

/// <summary>
/// Checks the credential the matched route's <c>AuthorizationPolicy</c> asks for: an API key in
/// <c>Gateway:Identity:ApiKeyHeader</c> or a bearer token. A missing, unknown or invalid one gets 401
/// <c>unauthenticated</c> with <c>WWW-Authenticate</c>; a valid one the policy does not allow gets 403
/// <c>forbidden</c>. An accepted request carries its <see cref="GatewayIdentity"/> in
/// <see cref="ProxyRequestState.Identity"/> (for rate limits per consumer and the consumer header) and as
/// <c>HttpContext.User</c>.
/// </summary>
/// <remarks>
/// The gateway applies YARP's <c>AuthorizationPolicy</c> field itself rather than through ASP.NET Core's
/// authorization middleware: that resolves policies from options fixed at start, while these follow reloads, and
/// it would verify a token on every request, while this remembers verified tokens.
/// </remarks>
internal sealed class IdentityMiddleware(
    RequestDelegate next,
    IdentityTableSource tables,
    VerificationBudget budget,
    RedisConsumerLookup redisConsumers,
    ClientIdentitySource clientIdentity,
    GatewayResponseWriter writer,
    IdentityMetrics metrics)
{
    // No budget charged (MaxFailedVerificationsPerSecond is 0).
    private const long NotCharged = 0;

    public Task InvokeAsync(HttpContext context)
    {
        var table = tables.Current;
        if (table.Routes.Count == 0 ||
            !table.Routes.TryGetValue(context.ProxyFeature().Route.Config.RouteId, out var route))
        {
            return next(context);
        }

        if (!route.IsJwt)
        {
            var keys = context.Request.Headers[table.ApiKeyHeader];
            if (StringValues.IsNullOrEmpty(keys))
            {
                return RefuseAsync(context, route, route.Challenge);
            }

            // Two keys are refused rather than one picked: which one a backend or a log sees must not be ambiguous.
            var identity = keys.Count == 1 ? table.Keys.Find(keys[0]) : null;
            if (identity is not null)
            {
                return AdmitAsync(context, route, identity);
            }

            return table.RedisConsumers && keys.Count == 1 && redisConsumers.IsConfigured
                ? FindInRedisAsync(context, route, table, keys[0]!)
                : RefuseAsync(context, route, route.InvalidTokenChallenge);
        }

        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count != 1 || !TryBearer(authorization[0], out var token))
        {
            return RefuseAsync(context, route, route.Challenge);
        }

        if (table.Jwt is not { } jwt)
        {
            return RefuseAsync(context, route, route.InvalidTokenChallenge);
        }

        if (jwt.TryCached(token, out var cached))
        {
            return cached is null ? RefuseAsync(context, route, route.InvalidTokenChallenge) : AdmitAsync(context, route, cached);
        }

        var client = 0;
        var charged = NotCharged;
        if (table.MaxFailedVerificationsPerSecond > 0)
        {
            client = ClientKey(context);
            if (!budget.TryTake(client, table.MaxFailedVerificationsPerSecond, out charged))
            {
                metrics.Verified(valid: false, budgetSpent: true);
                return RefuseAsync(context, route, route.InvalidTokenChallenge);
            }
        }

        return VerifyAsync(context, route, jwt, token.ToString(), client, charged);
    }

    /// <summary>A key the config does not know, asked of the fleet's shared consumers (a cached answer first).</summary>
    private Task FindInRedisAsync(HttpContext context, RouteIdentity route, IdentityTable table, string key)
    {
        Span<char> hex = stackalloc char[IdentityConstants.KeyHashLength];
        if (!ApiKeyTable.TryHash(key, hex))
        {
            return RefuseAsync(context, route, route.InvalidTokenChallenge);
        }

        if (redisConsumers.TryCached(hex, out var cached))
        {
            return cached is null ? RefuseAsync(context, route, route.InvalidTokenChallenge) : AdmitAsync(context, route, cached);
        }

        // The failed-verification budget bounds one client's spray of unknown keys to that many Redis lookups a second.
        var client = 0;
        var charged = NotCharged;
        if (table.MaxFailedVerificationsPerSecond > 0)
        {
            client = ClientKey(context);
            if (!budget.TryTake(client, table.MaxFailedVerificationsPerSecond, out charged))
            {
                return RefuseAsync(context, route, route.InvalidTokenChallenge);
            }
        }

        return AwaitRedisAsync(context, route, hex.ToString(), client, charged);
    }

    private async Task AwaitRedisAsync(HttpContext context, RouteIdentity route, string hash, int client, long charged)
    {
        var identity = await redisConsumers.FindAsync(hash);
        if (identity is not null && charged != NotCharged)
        {
            budget.Refund(client, charged);
        }

        await (identity is null ? RefuseAsync(context, route, route.InvalidTokenChallenge) : AdmitAsync(context, route, identity));
    }

    private async Task VerifyAsync(HttpContext context, RouteIdentity route, JwtValidator jwt, string token, int client, long charged)
    {
        var identity = await jwt.ValidateAsync(token);
        metrics.Verified(identity is not null, budgetSpent: false);
        if (identity is not null && charged != NotCharged)
        {
            budget.Refund(client, charged);
        }

        await (identity is null ? RefuseAsync(context, route, route.InvalidTokenChallenge) : AdmitAsync(context, route, identity));
    }

    private Task AdmitAsync(HttpContext context, RouteIdentity route, GatewayIdentity identity)
    {
        if (!route.Permits(identity))
        {
            metrics.Decided(route.Policy, IdentityConstants.Forbidden);
            return writer.WriteAsync(context, RouteIdentity.Forbidden);
        }

        metrics.Decided(route.Policy, IdentityConstants.Allowed);
        ProxyRequestState.Of(context).Identity = identity;
        context.User = identity.Principal;
        return next(context);
    }

    private Task RefuseAsync(HttpContext context, RouteIdentity route, string challenge)
    {
        metrics.Decided(route.Policy, IdentityConstants.Unauthenticated);
        return writer.WriteAsync(context, RouteIdentity.Unauthenticated, null, new KeyValuePair<string, string>(HeaderNames.WWWAuthenticate, challenge));
    }

    /// <summary>The client's address as rate limits group it (a trusted proxy's X-Forwarded-For believed), hashed.</summary>
    private int ClientKey(HttpContext context)
    {
        var resolver = clientIdentity.Current;
        var address = resolver.Resolve(context.Connection.RemoteIpAddress, context.Request.Headers[IdentityConstants.ForwardedForHeader]);
        return address is null ? 0 : resolver.Group(address).GetHashCode();
    }

    /// <summary>The token of <c>Bearer &lt;token&gt;</c> (scheme case-insensitive, RFC 6750), without allocating.</summary>
    internal static bool TryBearer(string? value, out ReadOnlySpan<char> token)
    {
        if (value is null ||
            value.Length <= IdentityConstants.BearerPrefix.Length ||
            !value.StartsWith(IdentityConstants.BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            token = default;
            return false;
        }

        token = value.AsSpan(IdentityConstants.BearerPrefix.Length).Trim(' ');
        return !token.IsEmpty;
    }
}
