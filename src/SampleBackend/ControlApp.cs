using System.Net;

namespace SampleBackend;

/// <summary>
/// The process-wide control listener: faults for any instance or region, and bringing instances back up (a down
/// instance has no port left to ask).
/// </summary>
internal static class ControlApp
{
    public static WebApplication Build(SampleBackendHost host, IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        var app = builder.Build();

        app.MapGet("/instances", () => Results.Json(host.Instances.Select(i => i.Describe())));
        app.MapPost("/instances/{name}/fault", (string name, HttpRequest request) =>
            host.Find(name) is { } instance ? InstanceApp.Fault(instance, request.Query) : Results.NotFound());
        app.MapPost("/instances/{name}/clear", (string name) => Act(host.Find(name), i => { i.Faults.Clear(); return Task.CompletedTask; }));
        app.MapPost("/instances/{name}/down", (string name) => Act(host.Find(name), i => i.DownAsync()));
        app.MapPost("/instances/{name}/up", (string name) => Act(host.Find(name), i => i.UpAsync()));
        app.MapPost("/regions/{region}/down", (string region) => ActAll(host.InRegion(region), i => i.DownAsync()));
        app.MapPost("/regions/{region}/up", (string region) => ActAll(host.InRegion(region), i => i.UpAsync()));
        app.MapPost("/regions/{region}/fault", (string region, HttpRequest request) =>
        {
            var instances = host.InRegion(region);
            foreach (var instance in instances)
            {
                if (instance.Faults.Apply(request.Query) is { } error)
                {
                    return Results.Problem(error, statusCode: 400);
                }
            }

            return instances.Count == 0 ? Results.NotFound() : Results.Json(instances.Select(i => i.Describe()));
        });
        app.MapPost("/stats/reset", () =>
        {
            foreach (var instance in host.Instances)
            {
                instance.Capacity.ResetPeak();
            }

            return Results.Json(host.Instances.Select(i => i.Describe()));
        });
        app.MapPost("/clear", async () =>
        {
            foreach (var instance in host.Instances)
            {
                instance.Faults.Clear();
                await instance.UpAsync();
            }

            return Results.Json(host.Instances.Select(i => i.Describe()));
        });
        return app;
    }

    private static async Task<IResult> Act(BackendInstance? instance, Func<BackendInstance, Task> action)
    {
        if (instance is null)
        {
            return Results.NotFound();
        }

        await action(instance);
        return Results.Json(instance.Describe());
    }

    private static async Task<IResult> ActAll(IReadOnlyList<BackendInstance> instances, Func<BackendInstance, Task> action)
    {
        if (instances.Count == 0)
        {
            return Results.NotFound();
        }

        await Task.WhenAll(instances.Select(action));
        return Results.Json(instances.Select(i => i.Describe()));
    }
}
