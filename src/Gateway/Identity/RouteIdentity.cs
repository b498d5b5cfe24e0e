using System.Collections.Frozen;
using Gateway.Answers;

namespace Gateway.Identity;

/// <summary>What one route requires, built once per configuration from the policy its <c>AuthorizationPolicy</c> names.</summary>
internal sealed class RouteIdentity
{
    public RouteIdentity(string policy, IdentityPolicyOptions options, string apiKeyHeader)
    {
        Policy = policy;
        IsJwt = string.Equals(options.Scheme, IdentityConstants.Jwt, StringComparison.OrdinalIgnoreCase);
        Consumers = options.Consumers.Count == 0 ? null : options.Consumers.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        RequiredClaims = RequiredClaim.ParseAll(options.RequiredClaims);
        // RFC 6750 for tokens; for keys there is no registered scheme, so the challenge names the header to send.
        Challenge = IsJwt ? "Bearer" : $"ApiKey header=\"{apiKeyHeader}\"";
        InvalidTokenChallenge = IsJwt ? "Bearer error=\"invalid_token\"" : Challenge;
    }

    public string Policy { get; }

    public bool IsJwt { get; }

    /// <summary>ApiKey: the consumers allowed; null allows all.</summary>
    public FrozenSet<string>? Consumers { get; }

    public RequiredClaim[] RequiredClaims { get; }

    /// <summary><c>WWW-Authenticate</c> when no credential came.</summary>
    public string Challenge { get; }

    /// <summary><c>WWW-Authenticate</c> when the credential was refused.</summary>
    public string InvalidTokenChallenge { get; }

    /// <summary>Whether <paramref name="identity"/> may use the route (a known consumer, the claims required).</summary>
    public bool Permits(GatewayIdentity identity)
    {
        if (Consumers is not null && !Consumers.Contains(identity.Consumer))
        {
            return false;
        }

        foreach (var claim in RequiredClaims)
        {
            if (!claim.IsMetBy(identity))
            {
                return false;
            }
        }

        return true;
    }

    internal static readonly GatewayProblem Unauthenticated = GatewayProblem.Create(
        StatusCodes.Status401Unauthorized,
        Telemetry.GatewayReason.Unauthenticated,
        "Unauthenticated",
        "The route requires a credential (an API key or a bearer token, as WWW-Authenticate says), and the request had none the gateway accepts.");

    internal static readonly GatewayProblem Forbidden = GatewayProblem.Create(
        StatusCodes.Status403Forbidden,
        Telemetry.GatewayReason.Forbidden,
        "Forbidden",
        "The credential is valid, but the route's policy does not allow this consumer or the token lacks a claim the route requires.");
}

/// <summary>One of a policy's <c>RequiredClaims</c>: <c>name</c> or <c>name=value</c>.</summary>
internal sealed class RequiredClaim(string type, string? value)
{
    public string Type { get; } = type;

    public string? Value { get; } = value;

    public static RequiredClaim[] ParseAll(IReadOnlyList<string> claims)
    {
        var parsed = new RequiredClaim[claims.Count];
        for (var i = 0; i < claims.Count; i++)
        {
            var text = claims[i];
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            parsed[i] = equals < 0 ? new(text.Trim(), null) : new(text[..equals].Trim(), text[(equals + 1)..].Trim());
        }

        return parsed;
    }

    /// <summary>
    /// Met when the token has the claim and, with a value required, one of its values (a JSON array's items arrive as
    /// several claims) is that value or has it as a space-separated word, as OAuth writes <c>scope</c>.
    /// </summary>
    public bool IsMetBy(GatewayIdentity identity)
    {
        foreach (var claim in identity.Claims)
        {
            if (!string.Equals(claim.Type, Type, StringComparison.Ordinal))
            {
                continue;
            }

            if (Value is null || HasWord(claim.Value, Value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasWord(string text, string word)
    {
        foreach (var range in text.AsSpan().Split(' '))
        {
            if (text.AsSpan()[range].SequenceEqual(word))
            {
                return true;
            }
        }

        return false;
    }
}
