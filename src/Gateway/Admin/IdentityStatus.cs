using Gateway.Configuration;
using Gateway.Identity;

namespace Gateway.Admin;

/// <summary>
/// The body of <c>GET /admin/identity</c>: which routes require what, the consumers (names and key counts, never the
/// hashes) and the JWT issuer's key set as the gateway holds it now.
/// </summary>
internal sealed record IdentityStatus(IReadOnlyList<RouteRequirement> Routes, IReadOnlyList<ConsumerView> Consumers, JwtView? Jwt)
{
    public static IdentityStatus From(ConfigSnapshotSource source, IdentityTableSource tables)
    {
        var snapshot = source.Current;
        var identity = snapshot.Gateway.Identity;
        var routes = new List<RouteRequirement>();
        foreach (var route in snapshot.Routes)
        {
            if (route.AuthorizationPolicy is { } name && identity.Policies.TryGetValue(name, out var policy))
            {
                routes.Add(new RouteRequirement(route.RouteId, name, policy.Scheme, policy.Consumers, policy.RequiredClaims));
            }
            else
            {
                routes.Add(new RouteRequirement(route.RouteId, null, "none", [], []));
            }
        }

        var consumers = identity.Consumers.Select(c => new ConsumerView(c.Key, c.Value.KeyHashes.Count)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var jwt = tables.Current.Jwt is { } validator
            ? new JwtView(validator.Options.Issuer, validator.Options.Audiences, Shown(validator.Keys.Location), validator.Keys.Keys.Count, validator.Keys.Version, validator.Cache.Accepted)
            : null;
        return new IdentityStatus(routes, consumers, jwt);
    }

    /// <summary>Config views print a JWKS URL without its query, which may carry a secret.</summary>
    internal static string? Shown(string? location) =>
        location is not null && Uri.TryCreate(location, UriKind.Absolute, out var uri) && !uri.IsFile && uri.Query.Length > 0
            ? uri.GetLeftPart(UriPartial.Path) + "?(redacted)"
            : location;
}

/// <param name="Policy">The route's <c>AuthorizationPolicy</c>; null when anyone may call it.</param>
/// <param name="Scheme"><c>ApiKey</c>, <c>Jwt</c> or <c>none</c>.</param>
internal sealed record RouteRequirement(string RouteId, string? Policy, string Scheme, IReadOnlyList<string> Consumers, IReadOnlyList<string> RequiredClaims);

internal sealed record ConsumerView(string Name, int Keys);

/// <param name="SigningKeys">Keys held from the last good fetch; 0 means every token is refused.</param>
/// <param name="KeySetVersion">Increases with every good fetch.</param>
/// <param name="CachedTokens">Valid tokens in the cache now.</param>
internal sealed record JwtView(string? Issuer, IReadOnlyList<string> Audiences, string? JwksLocation, int SigningKeys, long KeySetVersion, int CachedTokens);
