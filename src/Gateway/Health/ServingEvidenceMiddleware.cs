using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Health;

/// <summary>
/// Per attempt, beside the passive health checks: tells <see cref="ServingEvidence"/> whether the destination served
/// the request, answered it, or refused the connection.
/// </summary>
internal sealed class ServingEvidenceMiddleware(RequestDelegate next, ServingEvidence evidence)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.GetReverseProxyFeature().ProxiedDestination is not { } destination)
        {
            return;
        }

        if (context.Features.Get<IForwarderErrorFeature>() is null)
        {
            if (context.Response.StatusCode < StatusCodes.Status500InternalServerError)
            {
                evidence.Served(destination);
            }
            else
            {
                evidence.Reached(destination);
            }
        }
        else if (FailureClassifier.NothingSent(context))
        {
            evidence.Refused(destination);
        }
    }
}
