using System.Diagnostics.Metrics;
using Gateway.AccessLog;
using Gateway.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Gateway.UnitTests.AccessLog;

/// <summary>The access log's request side, with no writer reading the queue: it must drop and count, never wait.</summary>
public sealed class AccessLogMiddlewareTests : IAsyncDisposable
{
    private readonly WebApplication _app;

    public AccessLogMiddlewareTests()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:r1:ClusterId"] = "c1",
            ["ReverseProxy:Routes:r1:Match:Path"] = "/{**rest}",
            ["ReverseProxy:Clusters:c1:Destinations:d1:Address"] = "http://127.0.0.1:1/",
            ["Gateway:AccessLog:Enabled"] = "true",
            ["Gateway:AccessLog:QueueLimit"] = "2",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddGateway(builder.Configuration);
        _app = builder.Build();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Flood_QueueFull_DropsAreCountedAndNoRequestWaits()
    {
        await _app.Services.GetRequiredService<ConfigSnapshotSource>().InitializeAsync(watch: false);
        using var dropped = new MetricCollector<long>(_app.Services.GetRequiredService<IMeterFactory>(), "Gateway", AccessLogConstants.DroppedInstrument);
        var middleware = ActivatorUtilities.CreateInstance<AccessLogMiddleware>(_app.Services, (RequestDelegate)(_ => Task.CompletedTask));

        for (var i = 0; i < 100; i++)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "GET";
            context.Request.Path = "/x";

            var request = middleware.InvokeAsync(context);

            // Completed synchronously: adding a line never waits for the writer, full queue or not.
            Assert.True(request.IsCompletedSuccessfully, $"request {i} waited on the access log");
        }

        Assert.Equal(98, dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        var queued = 0;
        while (_app.Services.GetRequiredService<AccessLogQueue>().Reader.TryRead(out var record))
        {
            Assert.Equal("/x", record.Path);
            queued++;
        }

        Assert.Equal(2, queued);
    }

    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("garbage", null)]
    [InlineData(null, null)]
    public void TraceId_FromIdOrTraceParent(string? trace, string? expected) =>
        Assert.Equal(expected, AccessLogRecord.TraceId(trace));
}
