using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>The last good signing keys fetched from <see cref="Location"/> (a JWKS file or URL); immutable.</summary>
internal sealed record JwksKeys(string? Location, IReadOnlyList<SecurityKey> Keys, long Version)
{
    public static readonly JwksKeys None = new(null, [], 0);
}
