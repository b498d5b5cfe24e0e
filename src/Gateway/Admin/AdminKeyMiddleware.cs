using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;
using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Admin;

/// <summary>
/// Checks <c>X-Admin-Key</c> on keyed admin endpoints when <c>Gateway:Admin:ApiKey</c> is set, after
/// <see cref="BrowserRequestGuard"/> has turned away requests a browser made on another site's behalf.
/// </summary>
internal sealed class AdminKeyMiddleware(RequestDelegate next, ConfigSnapshotSource config)
{
    public Task InvokeAsync(HttpContext context)
    {
        // The endpoint through the feature indexer: GetEndpoint() calls the feature collection's generic Get, a virtual
        // dispatch through the runtime's helper on every request (FeatureLookup).
        var metadata = context.Feature<IEndpointFeature>()?.Endpoint?.Metadata.GetMetadata<AdminEndpointMetadata>();
        if (metadata is null)
        {
            return next(context);
        }

        var expected = config.Current.Gateway.Admin.ApiKey;
        if (metadata.RequiresKey && BrowserRequestGuard.Check(context.Request, keyConfigured: expected is { Length: > 0 }) is { } refusal)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync($"Refused: {refusal}.");
        }

        if (!metadata.RequiresKey || expected is not { Length: > 0 } || KeyMatches(context.Request.Headers[AdminConstants.ApiKeyHeader], expected))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = AdminConstants.ApiKeyHeader;
        return Task.CompletedTask;
    }

    // Hashing first makes the comparison constant-time in the key's length too, not only its content.
    internal static bool KeyMatches(string? presented, string expected)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        return CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash);
    }
}
