using System.Globalization;
using Gateway.Grpc;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Resilience;

/// <summary>
/// Tells the backend how long the gateway will wait: <c>X-Request-Deadline</c> is the remaining budget of this
/// attempt in whole milliseconds (relative, so gateway and backend clocks need not agree), the tighter of the total
/// and attempt timeouts. A client's own value is always removed: only the gateway knows its budget. A gRPC call's
/// <c>grpc-timeout</c> is rewritten to the same budget, so a gRPC backend stops when the gateway stops waiting; it is
/// left as the client sent it when the cluster has no resilience policy (no gateway deadline then). When the backend's
/// response headers arrive, the total timeout stops.
/// </summary>
internal sealed class DeadlineTransformProvider(TimeProvider time) : ITransformProvider
{
    // A power of two: a budget's slot is its low bits.
    private const int CachedTexts = 16;

    // The header's text of recent budgets by their low bits. Nearly every attempt is sent with its whole budget left,
    // so a few values recur and their text is not a new string per request; a miss formats and replaces the slot.
    private readonly string?[] _texts = new string?[CachedTexts];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(SetDeadline);
        context.AddResponseTransform(StopTotalTimeout);
    }

    /// <summary>
    /// The first clock ends with the response headers: a response the client gets (not one the retry transform,
    /// which runs ahead of this, held back for another attempt) is no longer cut by the total timeout. Except a gRPC
    /// call, whose deadline covers the whole call, streams included.
    /// </summary>
    private static ValueTask StopTotalTimeout(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not null &&
            !GrpcProtocol.IsGrpc(context.HttpContext.Request) &&
            ProxyRequestState.Find(context.HttpContext) is { Resilience: { } scope } state &&
            state.Retry is not { RetryWanted: true })
        {
            scope.ResponseHeadersArrived();
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask SetDeadline(RequestTransformContext context)
    {
        var headers = context.ProxyRequest.Headers;
        headers.Remove(ResilienceConstants.DeadlineHeader);
        if (ProxyRequestState.Find(context.HttpContext)?.Resilience is { Unbounded: false } feature)
        {
            var remaining = feature.RemainingAttemptMilliseconds(time.GetTimestamp(), time);
            headers.TryAddWithoutValidation(ResilienceConstants.DeadlineHeader, Text(remaining));
            if (GrpcProtocol.IsGrpc(context.HttpContext.Request))
            {
                headers.Remove(GrpcConstants.TimeoutHeader);
                headers.TryAddWithoutValidation(GrpcConstants.TimeoutHeader, GrpcProtocol.FormatTimeout(remaining));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The header's text for <paramref name="milliseconds"/>, from the cache when a recent attempt was sent the same.</summary>
    internal string Text(long milliseconds)
    {
        Span<char> text = stackalloc char[20];
        milliseconds.TryFormat(text, out var length, default, CultureInfo.InvariantCulture);
        text = text[..length];
        ref var slot = ref _texts[(int)(milliseconds & (CachedTexts - 1))];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && text.SequenceEqual(cached))
        {
            return cached;
        }

        cached = new string(text);
        Volatile.Write(ref slot, cached);
        return cached;
    }
}
