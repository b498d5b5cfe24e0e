using System.Diagnostics;
using Gateway.Telemetry;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.AccessLog;

/// <summary>
/// Per attempt, for a request the access log samples: counts the attempt and takes the trace id the backend is sent
/// (so the line and the backend's logs name the same trace); when the backend's response headers arrive, their time.
/// </summary>
internal sealed class AccessLogTransformProvider(TimeProvider time) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(OnRequest);
        context.AddResponseTransform(OnResponse);
    }

    private static ValueTask OnRequest(RequestTransformContext context)
    {
        if (ProxyRequestState.Find(context.HttpContext)?.AccessLog is not { } record)
        {
            return ValueTask.CompletedTask;
        }

        record.Attempts++;
        if (Activity.Current is { } activity)
        {
            record.Trace = activity.TraceId.ToHexString();
        }
        else if (context.ProxyRequest.Headers.TryGetValues(TraceContextTransformProvider.TraceParent, out var values))
        {
            foreach (var value in values)
            {
                record.Trace = value;
                break;
            }
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnResponse(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not null && ProxyRequestState.Find(context.HttpContext)?.AccessLog is { } record)
        {
            record.BackendHeadersTimestamp = time.GetTimestamp();
        }

        return ValueTask.CompletedTask;
    }
}
