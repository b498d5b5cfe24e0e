using Microsoft.AspNetCore.Http.Features;
using Gateway.Utilities;

namespace Gateway.Resilience;

/// <summary>Which requests may be sent a second time.</summary>
internal static class RetryEligibility
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) or a request carrying <c>Idempotency-Key</c>, whose body
    /// is absent or small enough to buffer: a body that was streamed to the first destination cannot be replayed.
    /// </summary>
    /// <param name="mustBuffer">True when the body must be buffered before the first attempt.</param>
    public static bool IsRetryable(HttpRequest request, long maxBufferedBodySize, out bool mustBuffer)
    {
        mustBuffer = false;
        var method = request.Method;
        var idempotent = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) ||
                         HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) ||
                         request.Headers.ContainsKey(IdempotencyKeyHeader);
        if (!idempotent)
        {
            return false;
        }

        var canHaveBody = request.HttpContext.Feature<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        if (!canHaveBody)
        {
            return true;
        }

        if (request.ContentLength is { } length && length <= maxBufferedBodySize)
        {
            mustBuffer = length > 0;
            return true;
        }

        return false;
    }
}
