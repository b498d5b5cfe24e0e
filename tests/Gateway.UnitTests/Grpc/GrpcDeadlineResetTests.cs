using Gateway.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Grpc;

public sealed class GrpcDeadlineResetTests
{
    private static (DefaultHttpContext Context, RecordingReset Stream) GrpcCall(string contentType = "application/grpc")
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        var stream = new RecordingReset();
        context.Features.Set<IHttpResetFeature>(stream);
        return (context, stream);
    }

    [Fact]
    public void Reset_AfterTheDeadline_HeldBack()
    {
        var (context, stream) = GrpcCall();
        using var deadline = new CancellationTokenSource();
        var guard = GrpcDeadlineReset.Install(context, deadline.Token, CancellationToken.None)!;
        deadline.Cancel();

        context.Features.Get<IHttpResetFeature>()!.Reset(2);

        Assert.True(guard.HeldBack);
        Assert.Null(stream.ErrorCode);
    }

    [Fact]
    public void Reset_BeforeTheDeadline_PassedThrough()
    {
        var (context, stream) = GrpcCall();
        using var deadline = new CancellationTokenSource();
        GrpcDeadlineReset.Install(context, deadline.Token, CancellationToken.None);

        context.Features.Get<IHttpResetFeature>()!.Reset(2);

        Assert.Equal(2, stream.ErrorCode);
    }

    [Fact]
    public void Reset_ClientWentAway_PassedThrough()
    {
        var (context, stream) = GrpcCall();
        using var deadline = new CancellationTokenSource();
        using var client = new CancellationTokenSource();
        GrpcDeadlineReset.Install(context, deadline.Token, client.Token);
        client.Cancel();
        deadline.Cancel();

        context.Features.Get<IHttpResetFeature>()!.Reset(8);

        Assert.Equal(8, stream.ErrorCode);
    }

    [Fact]
    public void Install_NotGrpc_InstallsNothing()
    {
        var (context, stream) = GrpcCall("application/json");

        Assert.Null(GrpcDeadlineReset.Install(context, CancellationToken.None, CancellationToken.None));
        Assert.Same(stream, context.Features.Get<IHttpResetFeature>());
    }

    [Fact]
    public void Uninstall_RestoresTheStreamsFeature()
    {
        var (context, stream) = GrpcCall();

        GrpcDeadlineReset.Install(context, CancellationToken.None, CancellationToken.None)!.Uninstall(context);

        Assert.Same(stream, context.Features.Get<IHttpResetFeature>());
    }

    private sealed class RecordingReset : IHttpResetFeature
    {
        public int? ErrorCode { get; private set; }

        public void Reset(int errorCode) => ErrorCode = errorCode;
    }
}
