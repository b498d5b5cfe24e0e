using Gateway.Telemetry;

namespace Gateway.Admin.OperatorConsole;

/// <summary>
/// The operator console on the admin listener: the page at <c>/</c>, its files under <c>/console/</c> and the
/// per-second traffic series at <c>/admin/stats</c>.
/// </summary>
/// <remarks>
/// The page and its files hold no data, so they are open: a browser cannot send <c>X-Admin-Key</c> on a plain
/// navigation. The page's script asks for the key, keeps it in <c>sessionStorage</c> (gone when the tab closes,
/// never in a cookie, so a third-party page cannot make the browser send it) and sends it as a header on every
/// admin API call; everything with data stays behind the key.
/// </remarks>
internal static class OperatorConsoleEndpoints
{
    // The page calls only its own origin and may not be framed: a framed console is a clickjacking target for the
    // drain buttons.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (HttpContext context, ConsoleAssets assets) => Serve(context, assets, "index.html"))
            .WithMetadata(AdminEndpointMetadata.Open);
        endpoints.MapGet(OperatorConsoleConstants.AssetPrefix + "{name}", (string name, HttpContext context, ConsoleAssets assets) => Serve(context, assets, name))
            .WithMetadata(AdminEndpointMetadata.Open);
        endpoints.MapGet(OperatorConsoleConstants.StatsPath, (int? seconds, TrafficStats stats) =>
                Results.Json(stats.Read(seconds ?? TrafficStatsConstants.WindowSeconds), AdminJson.Compact))
            .WithMetadata(AdminEndpointMetadata.Keyed);
        return endpoints;
    }

    private static IResult Serve(HttpContext context, ConsoleAssets assets, string name)
    {
        if (!assets.TryGet(name, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidated every load so an upgraded gateway never runs an old script against a new API.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
