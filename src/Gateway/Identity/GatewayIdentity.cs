using System.Security.Claims;

namespace Gateway.Identity;

/// <summary>
/// Who the identity step found a request to be: the consumer's name and, for a token, its claims. One instance per
/// API-key consumer (built with the config) and one per validated token (kept in the token cache), so handing it on
/// allocates nothing per request.
/// </summary>
internal sealed class GatewayIdentity
{
    public GatewayIdentity(string consumer, ClaimsPrincipal principal)
    {
        Consumer = consumer;
        Principal = principal;
        Claims = [.. principal.Claims];
    }

    /// <summary>The consumer's name: an API-key consumer, or the token's consumer claim.</summary>
    public string Consumer { get; }

    /// <summary>Set as <c>HttpContext.User</c>; a token's claims, or the consumer's name alone.</summary>
    public ClaimsPrincipal Principal { get; }

    /// <summary>
    /// The claims, copied once: <see cref="ClaimsPrincipal.Claims"/> is an iterator, which would allocate on every
    /// request that reads a claim (a required claim, <c>PartitionBy: Claim:&lt;name&gt;</c>).
    /// </summary>
    public Claim[] Claims { get; }

    /// <summary>The first value of claim <paramref name="type"/>, or null.</summary>
    public string? Claim(string type)
    {
        foreach (var claim in Claims)
        {
            if (string.Equals(claim.Type, type, StringComparison.Ordinal))
            {
                return claim.Value;
            }
        }

        return null;
    }

    public static GatewayIdentity ForConsumer(string consumer) =>
        new(consumer, new ClaimsPrincipal(new ClaimsIdentity([new Claim(IdentityConstants.DefaultConsumerClaim, consumer)], IdentityConstants.ApiKey, IdentityConstants.DefaultConsumerClaim, null)));
}
