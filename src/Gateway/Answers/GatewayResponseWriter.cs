using Gateway.Grpc;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Gateway.Utilities;

namespace Gateway.Answers;

/// <summary>
/// The one place that writes the answers the gateway gives itself: RFC 9457 problem details, or for a gRPC call a
/// trailers-only gRPC status, which is the only answer a gRPC client can read.
/// </summary>
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

        if (retryAfter is null && problem.Status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            throw new ArgumentException("429 and 503 answers must carry Retry-After.", nameof(retryAfter));
        }

        metrics.GatewayResponded(problem.Reason, problem.Status);

        response.Clear();
        response.Headers[GatewayReason.HeaderName] = problem.Reason;
        TagReason(context, problem.Reason);
        response.Headers.CacheControl = "no-store";
        if (retryAfter is not null)
        {
            response.Headers[HeaderNames.RetryAfter] = retryAfter;
        }

        foreach (var (name, value) in headers)
        {
            response.Headers[name] = value;
        }

        var request = context.Request;
        if (GrpcProtocol.IsGrpc(request))
        {
            // Trailers-only (HTTP 200, status in the headers, no body): a gRPC client reads the status of any other
            // HTTP answer as a protocol error it cannot tell from a broken backend.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = request.ContentType;
            response.Headers[GrpcConstants.StatusHeader] = problem.GrpcStatus;
            response.Headers[GrpcConstants.MessageHeader] = problem.GrpcMessage;
            if (retryAfter is not null)
            {
                response.Headers[GrpcConstants.RetryPushbackHeader] = RetryAfter.InMilliseconds(retryAfter);
            }

            return Task.CompletedTask;
        }

        response.StatusCode = problem.Status;
        response.ContentType = ProblemJson;
        response.ContentLength = problem.Body.Length;
        return response.Body.WriteAsync(problem.Body, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// Ends a response the gateway cut after it had started (its deadline passed mid-stream). A gRPC call ends with
    /// <paramref name="problem"/>'s status in its trailers, as a gRPC server ends a call past its deadline; any other
    /// response is aborted, so the client cannot mistake the truncated body for a whole one.
    /// </summary>
    public void EndStarted(HttpContext context, GatewayProblem problem)
    {
        if (!GrpcProtocol.IsGrpc(context.Request) ||
            context.Feature<IHttpResponseTrailersFeature>()?.Trailers is not { IsReadOnly: false } trailers)
        {
            context.Abort();
            return;
        }

        metrics.GatewayResponded(problem.Reason, problem.Status);
        // Set rather than appended: a backend's own status may have been copied already.
        trailers[GrpcConstants.StatusHeader] = problem.GrpcStatus;
        trailers[GrpcConstants.MessageHeader] = problem.GrpcMessage;
    }

    /// <summary>
    /// The reason as a tag on ASP.NET Core's request metric (<c>http.server.request.duration</c>), from which the
    /// console's series count the gateway's refusals (<see cref="RequestDurationFeed"/>): only the gateway's own
    /// answers carry it, where a header could have come from a backend. Replaced, not added, when a later answer
    /// replaces an earlier one before the response started.
    /// </summary>
    private static void TagReason(HttpContext context, string reason)
    {
        if (context.Feature<IHttpMetricsTagsFeature>()?.Tags is not { } tags)
        {
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key == MetricTags.Reason)
            {
                tags.Remove(tag);
                break;
            }
        }

        tags.Add(new(MetricTags.Reason, reason));
    }
}
