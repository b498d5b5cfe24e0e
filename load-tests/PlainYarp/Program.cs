// A plain YARP host: one catch-all route to one destination, default settings, no middleware of its own.
// Logging keeps its default providers at Warning, as the gateway in the benchmark runs (at YARP's default of
// Information it would write a line per request and measure the console, not the proxy).
// With --slim it is the leanest host YARP runs in: WebApplication.CreateSlimBuilder and no logging providers at all
// (bench.sh's second baseline, `yarp-slim`, for `--baseline slim`).
// Usage: PlainYarp [--slim] --urls http://127.0.0.1:PORT --destination http://127.0.0.1:BACKEND/
using Yarp.ReverseProxy.Configuration;

var slim = Array.IndexOf(args, "--slim") >= 0;
// Taken out before the configuration reads the command line, which would take the next argument as --slim's value.
var hostArgs = Array.FindAll(args, a => a != "--slim");
var builder = slim ? WebApplication.CreateSlimBuilder(hostArgs) : WebApplication.CreateBuilder(hostArgs);
if (slim)
{
    builder.Logging.ClearProviders();
}
else
{
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
}

var destination = builder.Configuration["destination"] ?? "http://127.0.0.1:5101/";
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
    [new ClusterConfig
    {
        ClusterId = "backend",
        Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = destination } },
    }]);

var app = builder.Build();
app.MapReverseProxy();
app.Run();
