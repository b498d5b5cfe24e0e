// A plain YARP host: one catch-all route to one destination, default settings, no middleware of its own.
// Logging keeps its default providers at Warning, as the gateway in the benchmark runs (at YARP's default of
// Information it would write a line per request and measure the console, not the proxy).
// Usage: PlainYarp --urls http://127.0.0.1:PORT --destination http://127.0.0.1:BACKEND/
using Yarp.ReverseProxy.Configuration;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
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
