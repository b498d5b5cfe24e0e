namespace Gateway.ClientIdentity;

/// <summary>The client-identity step of the request path.</summary>
internal static class ClientIdentityBuilderExtensions
{
    /// <summary>Sets <c>X-Forwarded-*</c> and <c>X-Real-IP</c>, keeping a trusted proxy's.</summary>
    public static IReverseProxyBuilder AddForwardedHeaderTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<ForwardedHeaderTransformProvider>();
}
