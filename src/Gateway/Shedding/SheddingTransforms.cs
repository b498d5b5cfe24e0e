using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Shedding;

/// <summary>
/// Times each attempt of an admitted request for its cluster's adaptive limit (<see cref="SheddingAttemptTimer"/>):
/// the request transform, last of the gateway's, starts the clock; the response transform stops it when the
/// backend's response headers are in.
/// </summary>
internal static class SheddingTransforms
{
    public static IReverseProxyBuilder AddSheddingTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms(static context =>
        {
            var timer = context.Services.GetRequiredService<SheddingAttemptTimer>();
            context.AddRequestTransform(transform =>
            {
                if (ProxyRequestState.Find(transform.HttpContext) is { Shedder: not null } state)
                {
                    state.AttemptStart = timer.Start();
                }

                return ValueTask.CompletedTask;
            });
            context.AddResponseTransform(transform =>
            {
                if (transform.ProxyResponse is { } response &&
                    ProxyRequestState.Find(transform.HttpContext) is { Shedder: { } shedder, AttemptStart: not 0 } state)
                {
                    timer.Stop(shedder, state.AttemptStart, (int)response.StatusCode);
                    state.AttemptStart = 0;
                }

                return ValueTask.CompletedTask;
            });
        });
}
