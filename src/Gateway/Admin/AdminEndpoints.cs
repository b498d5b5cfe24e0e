using System.Text.Json;
using Gateway.Configuration;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Gateway.Admin;

internal static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok"))
            .WithMetadata(AdminEndpointMetadata.Open);

        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync })
            .WithMetadata(AdminEndpointMetadata.Open);

        endpoints.MapPrometheusScrapingEndpoint("/metrics")
            .WithMetadata(AdminEndpointMetadata.Keyed);

        var admin = endpoints.MapGroup("/admin").WithMetadata(AdminEndpointMetadata.Keyed);
        admin.MapGet("/config", (ConfigSnapshotSource source) => Results.Json(ConfigStatus.From(source), AdminJson.Api));
        admin.MapGet("/clusters", (IProxyStateLookup state) => Results.Json(new { clusters = ClusterStatus.From(state) }, AdminJson.Api));
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, AdminJson.Api));
    }
}
