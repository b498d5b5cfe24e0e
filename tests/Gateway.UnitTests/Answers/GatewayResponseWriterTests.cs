using System.Diagnostics.Metrics;
using Gateway.Answers;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.UnitTests.Answers;

public sealed class GatewayResponseWriterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task WriteAsync_ResponseNotStarted_WritesTheProblemAndCountsIt()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        using var responses = new MetricCollector<long>(meters, TelemetryConstants.MeterName, "gateway.responses");
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await new GatewayResponseWriter(new GatewayMetrics(meters)).WriteAsync(context, GatewayProblem.UpstreamTimeout);

        Assert.Equal(504, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("upstream-timeout", context.Response.Headers[GatewayReason.HeaderName].ToString());
        Assert.Equal(1, Assert.Single(responses.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task WriteAsync_ResponseAlreadyStarted_WritesNothingAndCountsNothing()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        using var responses = new MetricCollector<long>(meters, TelemetryConstants.MeterName, "gateway.responses");
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(new StartedResponse());
        context.Response.Body = new MemoryStream();

        await new GatewayResponseWriter(new GatewayMetrics(meters)).WriteAsync(context, GatewayProblem.UpstreamTimeout);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(0, context.Response.Body.Length);
        Assert.Empty(responses.GetMeasurementSnapshot());
    }

    public void Dispose() => _services.Dispose();

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
