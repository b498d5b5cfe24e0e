using System.Net;

namespace SampleBackend;

/// <summary>The HTTP surface of one instance: the echo service, its health probe and its fault controls.</summary>
internal static class InstanceApp
{
    public static WebApplication Build(BackendInstance instance, IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.AddServerHeader = false;
        });
        var app = builder.Build();

        app.MapGet("/_fault", () => Results.Json(instance.Describe()));
        app.MapPost("/_fault", (HttpRequest request) => Fault(instance, request.Query));
        app.MapPost("/_fault/clear", () =>
        {
            instance.Faults.Clear();
            return Results.Json(instance.Describe());
        });
        app.MapPost("/_fault/down", (HttpContext context) =>
        {
            // Answer first, then close the port: the caller learns the instance is going down.
            context.Response.OnCompleted(() =>
            {
                _ = Task.Run(instance.DownAsync);
                return Task.CompletedTask;
            });
            return Results.Accepted();
        });

        app.MapGet("/healthz", async (HttpContext context) =>
        {
            if (!await SurvivesFaultsAsync(instance, context))
            {
                return;
            }

            context.Response.StatusCode = instance.Faults.ErrorRate >= 1 ? 503 : 200;
            await context.Response.WriteAsync(context.Response.StatusCode == 200 ? "ok" : "failing");
        });

        app.Map("/{**path}", (HttpContext context) => ServeAsync(instance, context));
        return app;
    }

    internal static IResult Fault(BackendInstance instance, IQueryCollection query) =>
        instance.Faults.Apply(query) is { } error
            ? Results.Problem(error, statusCode: 400)
            : Results.Json(instance.Describe());

    private static async Task ServeAsync(BackendInstance instance, HttpContext context)
    {
        if (!await SurvivesFaultsAsync(instance, context))
        {
            return;
        }

        long bodyBytes = 0;
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            bodyBytes += read;
        }

        await instance.Capacity.ServeAsync(TimeSpan.FromMilliseconds(instance.Faults.LatencyMs), context.RequestAborted);
        var failed = instance.Faults.ErrorRate > 0 && Random.Shared.NextDouble() < instance.Faults.ErrorRate;
        context.Response.StatusCode = failed ? instance.Faults.ErrorStatus : 200;
        context.Response.Headers["X-Instance"] = instance.Name;
        context.Response.Headers["X-Region"] = instance.Region;
        if (instance.Faults.ResetMidBody)
        {
            // The client has the status line and the first bytes, so a proxy can no longer retry elsewhere.
            await context.Response.WriteAsync("{\"instance\":\"" + instance.Name + "\",", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(50, context.RequestAborted);
            context.Abort();
            return;
        }

        await context.Response.WriteAsJsonAsync(new EchoResponse(
            instance.Name,
            instance.Region,
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            context.Request.QueryString.Value ?? string.Empty,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            bodyBytes,
            failed ? "injected failure" : null));
    }

    /// <returns>False when a fault took the request (reset or hang) and nothing more must be written.</returns>
    private static async Task<bool> SurvivesFaultsAsync(BackendInstance instance, HttpContext context)
    {
        if (instance.Faults.Reset)
        {
            // A TCP reset, not a graceful close: the client sees "connection reset by peer".
            context.Abort();
            return false;
        }

        if (instance.Faults.Hang)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return false;
        }

        return true;
    }
}

/// <summary>What every instance answers: who served, and what it received.</summary>
public sealed record EchoResponse(
    string Instance,
    string Region,
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    long BodyBytes,
    string? Error);
