using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Identity;

/// <summary>
/// Tells the backend who the consumer is: <c>Gateway:Identity:ConsumerHeader</c> is set from the identity step's
/// decision. The client's own copy was removed by the internal-header transform, which runs first on every route, so
/// the backend can believe it. With <c>HideCredentials</c> the key or token does not reach the backend.
/// </summary>
internal sealed class IdentityTransformProvider : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // Resolved here, when routes are built, not in a constructor: YARP's config validator builds this provider
        // before the first configuration (which the table is built from) is loaded.
        var tables = context.Services.GetRequiredService<IdentityTableSource>();
        context.AddRequestTransform(transform => SetConsumer(transform, tables));
    }

    private static ValueTask SetConsumer(RequestTransformContext context, IdentityTableSource tables)
    {
        if (ProxyRequestState.Find(context.HttpContext)?.Identity is not { } identity)
        {
            return ValueTask.CompletedTask;
        }

        var table = tables.Current;
        var headers = context.ProxyRequest.Headers;
        headers.TryAddWithoutValidation(table.ConsumerHeader, identity.Consumer);
        if (table.HideCredentials)
        {
            headers.Remove(table.ApiKeyHeader);
            headers.Remove(HeaderNames.Authorization);
        }

        return ValueTask.CompletedTask;
    }
}
