using System.Diagnostics;
using System.Globalization;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Telemetry;

/// <summary>
/// Makes the gateway a hop in the caller's W3C trace when no tracer is configured: the backend gets a
/// <c>traceparent</c> with the caller's trace id and trace flags and a new span id (a new trace with flags 00 when the
/// caller sent none or an invalid one), the caller's <c>tracestate</c> with a valid <c>traceparent</c>, and its
/// <c>baggage</c> as sent, with or without a <c>traceparent</c>: W3C Baggage does not depend on Trace Context, and
/// Kestrel's header limits bound it like any other header. That is what the propagation-only <see cref="Activity"/> per
/// request did before (except the flags, which it reset to 00, and baggage without a <c>traceparent</c>, which it
/// dropped because ASP.NET Core reads baggage only along with one), at a fraction of its cost: two activities per
/// request (ASP.NET Core's and HttpClient's, which tags its own), the async-local <see cref="Activity.Current"/> and
/// their ids were about a fifth of the bytes a proxied request allocated (load-tests/bench.sh, gc-verbose trace). When
/// an activity does exist (a tracer, or ASP.NET Core's request logging turned on), HttpClient propagates it and this
/// transform stays out of the way.
/// </summary>
internal sealed class TraceContextTransformProvider : ITransformProvider
{
    internal const string TraceParent = "traceparent";
    internal const string TraceState = "tracestate";

    // "00-" + 32 hex trace id + "-" + 16 hex span id + "-" + 2 hex flags.
    private const int TraceParentLength = 55;
    private const int TraceIdOffset = 3;
    private const int SpanIdOffset = 36;
    private const int TraceIdBytes = 16;
    private const int SpanIdBytes = 8;
    private const int FlagsOffset = 53;

    // Sampled (01) and random trace id (02, Trace Context Level 2): a hop that keeps the trace id keeps both true.
    // Other bits are reserved, and the spec says a sender MUST set them to zero.
    private const ActivityTraceFlags PropagatedFlags = (ActivityTraceFlags)0x03;

    private static readonly RequestFuncTransform s_propagate = new(Propagate);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.RequestTransforms.Add(s_propagate);

    private static ValueTask Propagate(RequestTransformContext context)
    {
        if (Activity.Current is not null)
        {
            return ValueTask.CompletedTask;
        }

        // YARP copied the client's trace headers; they are replaced, as HttpClient's propagator replaces them.
        var incoming = context.HttpContext.Request.Headers;
        var outgoing = context.ProxyRequest.Headers;
        var parent = incoming.TraceParent;
        var state = incoming.TraceState;
        if (parent.Count > 0 || state.Count > 0)
        {
            outgoing.Remove(TraceParent);
            outgoing.Remove(TraceState);
        }

        ReadOnlySpan<char> traceId = default;
        var flags = ActivityTraceFlags.None;
        if (parent.Count > 0)
        {
            // Validated as ASP.NET Core validates an activity's parent, so the same headers are kept or dropped.
            var traceParent = parent.ToString();
            if (ActivityContext.TryParse(traceParent, state.Count == 0 ? null : state.ToString(), isRemote: true, out var caller))
            {
                traceId = traceParent.AsSpan(TraceIdOffset, TraceIdBytes * 2);
                flags = caller.TraceFlags & PropagatedFlags;
                if (caller.TraceState is { Length: > 0 } traceState)
                {
                    outgoing.TryAddWithoutValidation(TraceState, traceState);
                }
            }
        }

        outgoing.TryAddWithoutValidation(TraceParent, Format(traceId, flags));
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A <c>traceparent</c> for a new span in <paramref name="traceId"/> (a new trace when empty) with
    /// <paramref name="flags"/> (default 00).
    /// </summary>
    /// <remarks>
    /// The gateway records nothing itself, so W3C Trace Context has it pass on the caller's sampled flag: a caller that
    /// records wants its backends to record too. A new trace gets 00: this transform runs only without a tracer, so
    /// there is no sampling decision of the gateway's own to report.
    /// </remarks>
    internal static string Format(ReadOnlySpan<char> traceId, ActivityTraceFlags flags = ActivityTraceFlags.None)
    {
        Span<char> text = stackalloc char[TraceParentLength];
        "00-".CopyTo(text);

        // A new trace's id and the span id from one draw (a caller's trace keeps its id and draws the span id alone).
        Span<byte> random = stackalloc byte[TraceIdBytes + SpanIdBytes];
        var ids = traceId.IsEmpty ? random : random[TraceIdBytes..];
        DrawNonZero(ids, traceId.IsEmpty ? TraceIdBytes : 0);
        if (traceId.IsEmpty)
        {
            Convert.TryToHexStringLower(random[..TraceIdBytes], text.Slice(TraceIdOffset, TraceIdBytes * 2), out _);
        }
        else
        {
            traceId.CopyTo(text[TraceIdOffset..]);
        }

        text[TraceIdOffset + (TraceIdBytes * 2)] = '-';
        Convert.TryToHexStringLower(random[TraceIdBytes..], text.Slice(SpanIdOffset, SpanIdBytes * 2), out _);
        text[FlagsOffset - 1] = '-';
        ((byte)flags).TryFormat(text[FlagsOffset..], out _, "x2", CultureInfo.InvariantCulture);
        return new string(text);
    }

    // W3C forbids an all-zero id; Random.Shared gives one with a chance of 2^-64 or less, so draw again then. The ids
    // are the bytes before and after split (a trace id and a span id), or all of them when split is 0 (a span id).
    private static void DrawNonZero(Span<byte> bytes, int split)
    {
        do
        {
            Random.Shared.NextBytes(bytes);
        }
        while ((split > 0 && !bytes[..split].ContainsAnyExcept((byte)0)) || !bytes[split..].ContainsAnyExcept((byte)0));
    }
}
