using Microsoft.AspNetCore.Routing.Matching;

namespace Gateway.Admin;

/// <summary>
/// Keeps the two listeners apart at route matching: admin endpoints match only on the admin listener and proxy
/// routes only on the proxy listener. Filtering candidates (not rejecting after the match) lets a proxy route such
/// as <c>/{**catch-all}</c> still forward <c>/admin/...</c> to a backend on the proxy port.
/// </summary>
internal sealed class ListenerMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => int.MinValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var onAdminListener = httpContext.Features.Get<AdminConnectionFeature>() is not null;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) &&
                (candidates[i].Endpoint.Metadata.GetMetadata<AdminEndpointMetadata>() is not null) != onAdminListener)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
