using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;

namespace Gateway.Admin;

/// <summary>Checks <c>X-Admin-Key</c> on keyed admin endpoints when <c>Gateway:Admin:ApiKey</c> is set.</summary>
internal sealed class AdminKeyMiddleware(RequestDelegate next, ConfigSnapshotSource config)
{
    public Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata.GetMetadata<AdminEndpointMetadata>();
        if (metadata is not { RequiresKey: true } ||
            config.Current.Gateway.Admin.ApiKey is not { Length: > 0 } expected ||
            KeyMatches(context.Request.Headers[AdminConstants.ApiKeyHeader], expected))
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
