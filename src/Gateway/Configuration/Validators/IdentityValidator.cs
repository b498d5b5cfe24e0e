using Gateway.Identity;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validators;

/// <summary>
/// Rules for <c>Gateway:Identity</c> and routes' <c>AuthorizationPolicy</c>. No message quotes a key hash, a key or a
/// JWKS URL's query: the reload report and <c>/admin/config</c> show these messages.
/// </summary>
internal static class IdentityValidator
{
    private const string Path = GatewayOptions.SectionName + ":Identity";

    private static readonly string[] s_schemes = [IdentityConstants.ApiKey, IdentityConstants.Jwt];

    public static void Validate(IdentityOptions identity, ConfigErrorList errors)
    {
        RequireHeaderName($"{Path}:ApiKeyHeader", identity.ApiKeyHeader, errors);
        RequireHeaderName($"{Path}:ConsumerHeader", identity.ConsumerHeader, errors);
        if (identity.ConsumerHeader is { } consumerHeader &&
            !consumerHeader.StartsWith(IdentityConstants.InternalHeaderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Path}:ConsumerHeader", $"must start with {IdentityConstants.InternalHeaderPrefix}, so that a client's own copy is always removed (was '{consumerHeader}').");
        }

        if (identity.TokenCacheSize is < IdentityConstants.MinTokenCacheSize or > IdentityConstants.MaxTokenCacheSize)
        {
            errors.Add($"{Path}:TokenCacheSize", $"must be between {IdentityConstants.MinTokenCacheSize} and {IdentityConstants.MaxTokenCacheSize} (was {identity.TokenCacheSize}).");
        }

        if (identity.MaxFailedVerificationsPerSecond is < IdentityConstants.MinMaxFailedVerificationsPerSecond or > IdentityConstants.MaxMaxFailedVerificationsPerSecond)
        {
            errors.Add($"{Path}:MaxFailedVerificationsPerSecond", $"must be between {IdentityConstants.MinMaxFailedVerificationsPerSecond} and {IdentityConstants.MaxMaxFailedVerificationsPerSecond} (was {identity.MaxFailedVerificationsPerSecond}).");
        }

        ValidateConsumers(identity, errors);
        var usesJwt = false;
        foreach (var (name, policy) in identity.Policies)
        {
            usesJwt |= ValidatePolicy($"{Path}:Policies:{name}", policy, identity, errors);
        }

        if (usesJwt || identity.Jwt.Issuer is not null)
        {
            ValidateJwt(identity.Jwt, errors);
        }
    }

    public static void ValidateRoute(string routePath, RouteConfig route, GatewayOptions gateway, ConfigErrorList errors)
    {
        if (route.AuthorizationPolicy is { } name && !gateway.Identity.Policies.ContainsKey(name))
        {
            errors.Add($"{routePath}:AuthorizationPolicy", $"policy '{name}' does not exist under Gateway:Identity:Policies.");
        }
    }

    private static void ValidateConsumers(IdentityOptions identity, ConfigErrorList errors)
    {
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, consumer) in identity.Consumers)
        {
            var path = $"{Path}:Consumers:{name}";
            if (!JwtValidator.IsHeaderSafe(name))
            {
                errors.Add(path, $"a consumer name must be 1 to {IdentityConstants.MaxApiKeyLength} visible ASCII characters (it is sent to backends in a header).");
            }

            if (consumer.KeyHashes.Count == 0)
            {
                errors.Add($"{path}:KeyHashes", "needs at least one key hash.");
            }

            for (var i = 0; i < consumer.KeyHashes.Count; i++)
            {
                var hash = consumer.KeyHashes[i];
                if (!IsSha256Hex(hash))
                {
                    // Never the value: this is where a key pasted in clear would be echoed.
                    errors.Add($"{path}:KeyHashes:{i}", $"must be the key's SHA-256 as {IdentityConstants.KeyHashLength} hex digits (e.g. printf %s \"$KEY\" | sha256sum), not the key; the value is not shown.");
                }
                else if (owners.TryGetValue(hash, out var owner) && !string.Equals(owner, name, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{path}:KeyHashes:{i}", $"is also a key of consumer '{owner}'; a key must name one consumer.");
                }
                else
                {
                    owners[hash] = name;
                }
            }
        }
    }

    /// <returns>Whether the policy uses JWT.</returns>
    private static bool ValidatePolicy(string path, IdentityPolicyOptions policy, IdentityOptions identity, ConfigErrorList errors)
    {
        var scheme = Array.Find(s_schemes, s => string.Equals(s, policy.Scheme, StringComparison.OrdinalIgnoreCase));
        if (scheme is null)
        {
            errors.Add($"{path}:Scheme", $"must be one of {string.Join(", ", s_schemes)} (was '{policy.Scheme}').");
            return false;
        }

        var jwt = scheme == IdentityConstants.Jwt;
        if (jwt && policy.Consumers.Count > 0)
        {
            errors.Add($"{path}:Consumers", "applies to ApiKey policies only; a Jwt policy restricts tokens by RequiredClaims.");
        }

        if (!jwt && policy.RequiredClaims.Count > 0)
        {
            errors.Add($"{path}:RequiredClaims", "applies to Jwt policies only; an ApiKey policy restricts callers by Consumers.");
        }

        for (var i = 0; i < policy.Consumers.Count; i++)
        {
            if (!identity.Consumers.ContainsKey(policy.Consumers[i]))
            {
                errors.Add($"{path}:Consumers:{i}", $"consumer '{policy.Consumers[i]}' does not exist under {Path}:Consumers.");
            }
        }

        for (var i = 0; i < policy.RequiredClaims.Count; i++)
        {
            var claim = policy.RequiredClaims[i] ?? string.Empty;
            var equals = claim.IndexOf('=', StringComparison.Ordinal);
            if ((equals < 0 ? claim : claim[..equals]).Trim().Length == 0)
            {
                errors.Add($"{path}:RequiredClaims:{i}", $"must be a claim name or name=value (was '{claim}').");
            }
        }

        return jwt;
    }

    private static void ValidateJwt(JwtOptions jwt, ConfigErrorList errors)
    {
        var path = $"{Path}:Jwt";
        if (string.IsNullOrWhiteSpace(jwt.Issuer))
        {
            errors.Add($"{path}:Issuer", "is required when a policy has Scheme Jwt.");
        }

        if (jwt.Audiences.Count == 0)
        {
            errors.Add($"{path}:Audiences", "needs at least one audience: a token for another service must not be accepted here.");
        }

        var hasFile = !string.IsNullOrEmpty(jwt.JwksFile);
        var hasUrl = !string.IsNullOrEmpty(jwt.JwksUrl);
        if (hasFile == hasUrl)
        {
            errors.Add(path, "needs exactly one of JwksFile and JwksUrl (where the issuer's signing keys are).");
        }

        if (hasUrl)
        {
            if (!Uri.TryCreate(jwt.JwksUrl, UriKind.Absolute, out var url) ||
                !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
            {
                // The URL without its query, which may carry a secret.
                var shown = url is null ? "not an absolute URL" : url.GetLeftPart(UriPartial.Path);
                errors.Add($"{path}:JwksUrl", $"must be an https URL, or http to a loopback address: keys fetched in clear could be swapped (was {shown}).");
            }
        }

        errors.RequireRange($"{path}:JwksRefreshInterval", jwt.JwksRefreshInterval, IdentityConstants.MinJwksRefreshInterval, IdentityConstants.MaxJwksRefreshInterval);
        errors.RequireRange($"{path}:ClockSkew", jwt.ClockSkew, IdentityConstants.MinClockSkew, IdentityConstants.MaxClockSkew);
        if (string.IsNullOrWhiteSpace(jwt.ConsumerClaim))
        {
            errors.Add($"{path}:ConsumerClaim", "is required: the claim that names the consumer (e.g. sub).");
        }

        if (jwt.Algorithms.Count == 0)
        {
            errors.Add($"{path}:Algorithms", $"needs at least one of {string.Join(", ", IdentityConstants.AllowedAlgorithms)}.");
        }

        for (var i = 0; i < jwt.Algorithms.Count; i++)
        {
            if (!IdentityConstants.AllowedAlgorithms.Contains(jwt.Algorithms[i], StringComparer.Ordinal))
            {
                errors.Add($"{path}:Algorithms:{i}", $"must be one of {string.Join(", ", IdentityConstants.AllowedAlgorithms)}; shared-secret (HS*) and none are not accepted (was '{jwt.Algorithms[i]}').");
            }
        }
    }

    private static void RequireHeaderName(string path, string? name, ConfigErrorList errors)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => c is > ' ' and < '\u007f' and not ':'))
        {
            errors.Add(path, $"must be an HTTP header name (was '{name}').");
        }
    }

    private static bool IsSha256Hex(string? value) =>
        value is { Length: IdentityConstants.KeyHashLength } && value.All(char.IsAsciiHexDigit);
}
