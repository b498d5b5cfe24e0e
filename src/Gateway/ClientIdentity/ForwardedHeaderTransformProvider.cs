using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.ClientIdentity;

/// <summary>
/// Takes the place of YARP's default <c>X-Forwarded-*</c> transforms (action <c>Set</c>) and picks their action per
/// request from whom the edge guard found the headers came. From a peer in
/// <c>Gateway:ClientIdentity:TrustedProxies</c>, <c>X-Forwarded-For</c> keeps the incoming chain and gets the peer
/// appended (YARP's <c>Append</c>, nginx's <c>proxy_add_x_forwarded_for</c>), and <c>X-Forwarded-Proto</c>,
/// <c>-Host</c> and <c>-Prefix</c> are kept as sent; from anyone else, and for every header a trusted proxy did not
/// send, they are set from what the gateway saw. <c>Forwarded</c> is always removed, as YARP does beside
/// <c>X-Forwarded-*</c>: it would not name the gateway's hop and could disagree with <c>X-Forwarded-For</c>.
/// A route that configures <c>X-Forwarded</c> or <c>Forwarded</c> transforms itself gets what it configured.
/// </summary>
internal sealed class ForwardedHeaderTransformProvider : ITransformProvider
{
    private const string Prefix = "X-Forwarded-";
    private const string ForwardedHeader = "Forwarded";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // YARP clears UseDefaultForwarders when a route's own forwarding transforms were built.
        if (context.UseDefaultForwarders == false)
        {
            return;
        }

        context.UseDefaultForwarders = false;
        context.RequestTransforms.Add(TrustAwareXForwardedTransform.Instance);
        context.AddRequestHeaderRemove(ForwardedHeader);
    }

    /// <summary>Which of the <c>X-Forwarded-*</c> headers the gateway sets <paramref name="name"/> is, if any.</summary>
    internal static TrustedForwarded ForwardedHeaderOf(string name)
    {
        // Most header names are not 15 to 18 characters long; this spares them the prefix comparison.
        if (name.Length is < 15 or > 18 || !name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return TrustedForwarded.None;
        }

        var suffix = name.AsSpan(Prefix.Length);
        return suffix.Equals("For", StringComparison.OrdinalIgnoreCase) ? TrustedForwarded.For
            : suffix.Equals("Proto", StringComparison.OrdinalIgnoreCase) ? TrustedForwarded.Proto
            : suffix.Equals("Host", StringComparison.OrdinalIgnoreCase) ? TrustedForwarded.Host
            : suffix.Equals("Prefix", StringComparison.OrdinalIgnoreCase) ? TrustedForwarded.Prefix
            : TrustedForwarded.None;
    }

    /// <summary>YARP's own <c>X-Forwarded-*</c> transforms, in YARP's order, with the action chosen per request.</summary>
    private sealed class TrustAwareXForwardedTransform : RequestTransform
    {
        private const int StepCount = 4;

        private static readonly RequestHeaderXForwardedForTransform s_setFor = new(Prefix + "For", ForwardedTransformActions.Set);
        private static readonly RequestHeaderXForwardedForTransform s_appendFor = new(Prefix + "For", ForwardedTransformActions.Append);
        private static readonly RequestHeaderXForwardedPrefixTransform s_setPrefix = new(Prefix + "Prefix", ForwardedTransformActions.Set);
        private static readonly RequestHeaderXForwardedHostTransform s_setHost = new(Prefix + "Host", ForwardedTransformActions.Set);
        private static readonly RequestHeaderXForwardedProtoTransform s_setProto = new(Prefix + "Proto", ForwardedTransformActions.Set);

        public static TrustAwareXForwardedTransform Instance { get; } = new();

        // Without the edge guard's word nobody asked whom to trust, so every header is set.
        public override ValueTask ApplyAsync(RequestTransformContext context)
        {
            var trusted = ProxyRequestState.Find(context.HttpContext)?.Headers?.Forwarded ?? TrustedForwarded.None;

            // YARP's transforms finish synchronously, so the request passes without an async frame of its own; one that
            // did not would be awaited, and the rest after it.
            for (var step = 0; step < StepCount; step++)
            {
                var pending = Step(step, trusted, context);
                if (!pending.IsCompletedSuccessfully)
                {
                    return FinishAsync(context, trusted, step, pending);
                }

                pending.GetAwaiter().GetResult();
            }

            return ValueTask.CompletedTask;
        }

        // A trusted proxy's headers were copied to the outgoing request with the rest, so keeping one is doing nothing.
        private static ValueTask Step(int step, TrustedForwarded trusted, RequestTransformContext context) => step switch
        {
            0 => ((trusted & TrustedForwarded.For) != 0 ? s_appendFor : s_setFor).ApplyAsync(context),
            1 => (trusted & TrustedForwarded.Prefix) == 0 ? s_setPrefix.ApplyAsync(context) : ValueTask.CompletedTask,
            2 => (trusted & TrustedForwarded.Host) == 0 ? s_setHost.ApplyAsync(context) : ValueTask.CompletedTask,
            _ => (trusted & TrustedForwarded.Proto) == 0 ? s_setProto.ApplyAsync(context) : ValueTask.CompletedTask,
        };

        private static async ValueTask FinishAsync(RequestTransformContext context, TrustedForwarded trusted, int step, ValueTask pending)
        {
            await pending;
            for (step++; step < StepCount; step++)
            {
                await Step(step, trusted, context);
            }
        }
    }
}
