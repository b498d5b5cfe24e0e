using Microsoft.AspNetCore.Http.Features;
using Gateway.Utilities;

namespace Gateway.Grpc;

/// <summary>
/// Keeps a gRPC stream open when the gateway's own deadline cuts it, so it can end with DEADLINE_EXCEEDED in its
/// trailers. When its token is cancelled mid-response, YARP resets the HTTP/2 stream with INTERNAL_ERROR, which a
/// gRPC client reports as INTERNAL: a failure, not a deadline. YARP offers no other way to end a response it is
/// copying, so for the time of a gRPC call under a deadline this stands in for the stream's reset feature and passes
/// every reset through except the ones caused by the deadline itself.
/// </summary>
internal sealed class GrpcDeadlineReset : IHttpResetFeature
{
    private readonly IHttpResetFeature _stream;
    private readonly CancellationToken _deadline;
    private readonly CancellationToken _clientAborted;

    private GrpcDeadlineReset(IHttpResetFeature stream, CancellationToken deadline, CancellationToken clientAborted)
    {
        _stream = stream;
        _deadline = deadline;
        _clientAborted = clientAborted;
    }

    /// <summary>
    /// Installs the guard for a gRPC call on a stream that can be reset (HTTP/2); returns null, installing nothing,
    /// for anything else. Give it back with <see cref="Uninstall"/> before <paramref name="deadline"/>'s source is reused.
    /// </summary>
    /// <param name="deadline">Cancelled when the deadline passes or the client goes away.</param>
    /// <param name="clientAborted">Cancelled when the client goes away, and only then.</param>
    public static GrpcDeadlineReset? Install(HttpContext context, CancellationToken deadline, CancellationToken clientAborted)
    {
        if (!GrpcProtocol.IsGrpc(context.Request) || context.Feature<IHttpResetFeature>() is not { } stream)
        {
            return null;
        }

        var guard = new GrpcDeadlineReset(stream, deadline, clientAborted);
        context.Features.Set<IHttpResetFeature>(guard);
        return guard;
    }

    /// <summary>Whether a reset was held back because the deadline had passed.</summary>
    public bool HeldBack { get; private set; }

    public void Reset(int errorCode)
    {
        if (_deadline.IsCancellationRequested && !_clientAborted.IsCancellationRequested)
        {
            HeldBack = true;
            return;
        }

        _stream.Reset(errorCode);
    }

    public void Uninstall(HttpContext context) => context.Features.Set(_stream);
}
