using System.Text.Json;
using Gateway.Admin.OperatorConsole;
using Gateway.Configuration;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Identity;
using Gateway.Resilience;
using Gateway.Shedding;
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
        admin.MapGet("/identity", (ConfigSnapshotSource source, IdentityTableSource tables) => Results.Json(IdentityStatus.From(source, tables), AdminJson.Api));
        admin.MapGet("/clusters", (IProxyStateLookup state, FailoverRouter router, OutlierTracker outliers, ResilienceRegistry resilience, SheddingRegistry shedding) =>
            Results.Json(new { clusters = ClusterStatus.From(state, router, outliers, resilience, shedding) }, AdminJson.Api));
        admin.MapGet("/regions", (RegionDrains drains, ConfigSnapshotSource config) => Results.Json(RegionsBody(drains, config), AdminJson.Api));
        admin.MapPost("/regions/{region}/drain", (string region, RegionDrainSync sync, RegionDrains drains, ConfigSnapshotSource config) =>
            ChangeDrainAsync(region, sync, drains, config, drain: true));
        admin.MapPost("/regions/{region}/undrain", (string region, RegionDrainSync sync, RegionDrains drains, ConfigSnapshotSource config) =>
            ChangeDrainAsync(region, sync, drains, config, drain: false));
        endpoints.MapOperatorConsole();
    }

    private static async Task<IResult> ChangeDrainAsync(string region, RegionDrainSync sync, RegionDrains drains, ConfigSnapshotSource config, bool drain)
    {
        var known = KnownRegions(config);
        // The name as the config spells it: the Redis set every instance reloads compares exactly, so "EU-WEST" drained
        // and "eu-west" undrained must be one member.
        if (!known.TryGetValue(region, out var configured))
        {
            return Results.Problem(
                $"Region '{region}' is not in any failover policy (known: {string.Join(", ", known)}).",
                statusCode: StatusCodes.Status404NotFound);
        }

        var before = drains.Version;
        var shared = await sync.ChangeAsync(configured, drain);
        var changed = drains.Version != before;
        return Results.Json(new { region = configured, drained = drain, changed, shared, all = RegionsBody(drains, config) }, AdminJson.Api);
    }

    private static RegionsView RegionsBody(RegionDrains drains, ConfigSnapshotSource config) =>
        new([.. KnownRegions(config).Order(StringComparer.Ordinal)], [.. drains.Drained.Order(StringComparer.Ordinal)]);

    private sealed record RegionsView(string[] Regions, string[] Drained);

    private static HashSet<string> KnownRegions(ConfigSnapshotSource config) =>
        new(config.Current.Gateway.Failover.Policies.Values.SelectMany(p => p.Regions), StringComparer.OrdinalIgnoreCase);

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
