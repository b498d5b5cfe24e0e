using Gateway.ClientIdentity;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:ClientIdentity</c>.</summary>
internal static class ClientIdentityValidator
{
    private const string Path = GatewayOptions.SectionName + ":ClientIdentity";

    public static void Validate(ClientIdentityOptions clientIdentity, ConfigErrorList errors)
    {
        var proxies = clientIdentity.TrustedProxies;
        for (var i = 0; i < proxies.Count; i++)
        {
            if (!ClientIpResolver.TryParseNetwork(proxies[i] ?? string.Empty, out _))
            {
                errors.Add($"{Path}:TrustedProxies:{i}", $"must be a CIDR such as 10.0.0.0/8 or an IP address (was '{proxies[i]}').");
            }
        }

        errors.RequireRange($"{Path}:Ipv6PrefixLength", clientIdentity.Ipv6PrefixLength, ClientIdentityConstants.MinIpv6PrefixLength, ClientIdentityConstants.MaxIpv6PrefixLength);
    }
}
