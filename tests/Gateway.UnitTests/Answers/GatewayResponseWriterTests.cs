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

    [Fact]
    public async Task WriteAsync_GrpcCall_TrailersOnlyWithStatusMessageAndPushback()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc+proto";
        context.Response.Body = new MemoryStream();

        await Writer().WriteAsync(context, GatewayProblem.Overloaded, "3");

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/grpc+proto", context.Response.ContentType);
        Assert.Equal("14", context.Response.Headers["grpc-status"].ToString());
        Assert.StartsWith("overloaded: ", context.Response.Headers["grpc-message"].ToString(), StringComparison.Ordinal);
        Assert.Equal("3000", context.Response.Headers["grpc-retry-pushback-ms"].ToString());
        Assert.Equal("overloaded", context.Response.Headers[GatewayReason.HeaderName].ToString());
        Assert.Equal(0, context.Response.Body.Length);
    }

    [Fact]
    public async Task WriteAsync_GrpcCallTimedOut_DeadlineExceededWithoutPushback()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";

        await Writer().WriteAsync(context, GatewayProblem.UpstreamTimeout);

        Assert.Equal("4", context.Response.Headers["grpc-status"].ToString());
        Assert.False(context.Response.Headers.ContainsKey("grpc-retry-pushback-ms"));
    }

    [Fact]
    public void EndStarted_GrpcCall_StatusInTrailers()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        var trailers = new HttpResponseTrailersFeature { Trailers = new HeaderDictionary { ["grpc-status"] = "0" } };
        context.Features.Set<IHttpResponseTrailersFeature>(trailers);

        Writer().EndStarted(context, GatewayProblem.UpstreamTimeout);

        Assert.Equal("4", trailers.Trailers["grpc-status"].ToString());
        Assert.StartsWith("upstream-timeout: ", trailers.Trailers["grpc-message"].ToString(), StringComparison.Ordinal);
        Assert.False(context.RequestAborted.IsCancellationRequested);
    }

    [Fact]
    public void EndStarted_NotGrpc_Aborts()
    {
        var context = new DefaultHttpContext();
        var lifetime = new AbortRecorder();
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);

        Writer().EndStarted(context, GatewayProblem.UpstreamTimeout);

        Assert.True(lifetime.Aborted);
    }

    private GatewayResponseWriter Writer() => new(new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()));

    public void Dispose() => _services.Dispose();

    private sealed class HttpResponseTrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }

    private sealed class AbortRecorder : IHttpRequestLifetimeFeature
    {
        public bool Aborted { get; private set; }

        public CancellationToken RequestAborted { get; set; }

        public void Abort() => Aborted = true;
    }

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
