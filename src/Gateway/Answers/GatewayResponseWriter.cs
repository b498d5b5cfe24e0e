using Gateway.Telemetry;
using Microsoft.Net.Http.Headers;

namespace Gateway.Answers;

/// <summary>The one place that writes the answers the gateway gives itself (RFC 9457 problem details).</summary>
internal sealed class GatewayResponseWriter(GatewayMetrics metrics)
{
    private const string ProblemJson = "application/problem+json";

    /// <summary>Writes <paramref name="problem"/> unless the response has already started.</summary>
    /// <param name="retryAfter">A <c>Retry-After</c> value in seconds; required on 429 and 503.</param>
    /// <param name="headers">More headers for this answer (e.g. <c>RateLimit</c> on a 429).</param>
    public Task WriteAsync(HttpContext context, GatewayProblem problem, string? retryAfter = null, params ReadOnlySpan<KeyValuePair<string, string>> headers)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Nothing is written, so nothing is counted: the metric counts answers clients got.
            return Task.CompletedTask;
        }

        metrics.GatewayResponded(problem.Reason, problem.Status);

        response.Clear();
        response.StatusCode = problem.Status;
        response.ContentType = ProblemJson;
        response.ContentLength = problem.Body.Length;
        response.Headers[GatewayReason.HeaderName] = problem.Reason;
        response.Headers.CacheControl = "no-store";
        if (retryAfter is not null)
        {
            response.Headers[HeaderNames.RetryAfter] = retryAfter;
        }
        else if (problem.Status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            throw new ArgumentException("429 and 503 answers must carry Retry-After.", nameof(retryAfter));
        }

        foreach (var (name, value) in headers)
        {
            response.Headers[name] = value;
        }

        return response.Body.WriteAsync(problem.Body, context.RequestAborted).AsTask();
    }
}
