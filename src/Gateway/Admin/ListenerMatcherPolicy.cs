using Gateway.Utilities;
using Microsoft.AspNetCore.Routing.Matching;

namespace Gateway.Admin;

/// <summary>
/// Keeps the two listeners apart at route matching: admin endpoints match only on the admin listener and proxy
/// routes only on the proxy listener. Filtering candidates (not rejecting after the match) lets a proxy route such
/// as <c>/{**catch-all}</c> still forward <c>/admin/...</c> to a backend on the proxy port.
/// </summary>
/// <remarks>
/// A node-building policy, like ASP.NET Core's host matching: the split is built into the matcher's tree once, and a
/// request costs one feature lookup. As an endpoint-selector policy it made every request take the matcher's slow
/// path (a candidate set allocated and the policy run over it).
/// </remarks>
internal sealed class ListenerMatcherPolicy : MatcherPolicy, INodeBuilderPolicy
{
    private static readonly object s_admin = new();
    private static readonly object s_proxy = new();

    public override int Order => int.MinValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Count > 0;

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints)
    {
        var admin = new List<Endpoint>();
        var proxy = new List<Endpoint>();
        foreach (var endpoint in endpoints)
        {
            (IsAdmin(endpoint) ? admin : proxy).Add(endpoint);
        }

        var edges = new List<PolicyNodeEdge>(2);
        if (admin.Count > 0)
        {
            edges.Add(new PolicyNodeEdge(s_admin, admin));
        }

        if (proxy.Count > 0)
        {
            edges.Add(new PolicyNodeEdge(s_proxy, proxy));
        }

        return edges;
    }

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges)
    {
        // A listener with no endpoint here goes to the exit: no match (404), as when every candidate was filtered out.
        var admin = exitDestination;
        var proxy = exitDestination;
        foreach (var edge in edges)
        {
            if (ReferenceEquals(edge.State, s_admin))
            {
                admin = edge.Destination;
            }
            else
            {
                proxy = edge.Destination;
            }
        }

        return new ListenerJumpTable(admin, proxy);
    }

    private static bool IsAdmin(Endpoint endpoint) => endpoint.Metadata.GetMetadata<AdminEndpointMetadata>() is not null;

    private sealed class ListenerJumpTable(int admin, int proxy) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) =>
            AdminConnectionFeature.IsAdmin(httpContext) ? admin : proxy;
    }
}
