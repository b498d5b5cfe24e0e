using Gateway.Utilities;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.UnitTests.Utilities;

/// <summary>Which forwarding outcomes are blamed on the destination: never a client's own fault (CVE-2023-33141).</summary>
public sealed class FailureClassifierTests
{
    [Theory]
    [InlineData(ForwarderError.Request, true)]
    [InlineData(ForwarderError.RequestTimedOut, true)]
    [InlineData(ForwarderError.RequestBodyDestination, true)]
    [InlineData(ForwarderError.ResponseHeaders, true)]
    [InlineData(ForwarderError.ResponseBodyDestination, true)]
    [InlineData(ForwarderError.UpgradeRequestDestination, true)]
    [InlineData(ForwarderError.UpgradeResponseDestination, true)]
    [InlineData(ForwarderError.RequestCanceled, false)]
    [InlineData(ForwarderError.RequestBodyCanceled, false)]
    [InlineData(ForwarderError.RequestBodyClient, false)]
    [InlineData(ForwarderError.ResponseBodyCanceled, false)]
    [InlineData(ForwarderError.ResponseBodyClient, false)]
    [InlineData(ForwarderError.UpgradeRequestCanceled, false)]
    [InlineData(ForwarderError.UpgradeRequestClient, false)]
    [InlineData(ForwarderError.UpgradeResponseCanceled, false)]
    [InlineData(ForwarderError.UpgradeResponseClient, false)]
    [InlineData(ForwarderError.NoAvailableDestinations, false)]
    [InlineData(ForwarderError.RequestCreation, false)]
    [InlineData(ForwarderError.UpgradeActivityTimeout, false)]
    public void IsDestinationFailure_ForwarderError_BlamesOnlyTheDestinationsOwnFaults(ForwarderError error, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error));

        Assert.Equal(expected, FailureClassifier.IsDestinationFailure(context));
    }

    [Theory]
    [InlineData(200, false)]
    [InlineData(404, false)]
    [InlineData(499, false)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    public void IsDestinationFailure_NoError_BlamesOnly5xx(int status, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;

        Assert.Equal(expected, FailureClassifier.IsDestinationFailure(context));
    }

    public static TheoryData<ForwarderError, Exception?, bool> ConnectionFailures => new()
    {
        { ForwarderError.Request, null, true },
        // SocketsHttpHandler's ConnectTimeout: nothing reached the backend.
        { ForwarderError.RequestTimedOut, new TaskCanceledException("connect", new TimeoutException("ConnectTimeout")), true },
        // The activity timeout: the backend had the request and stopped answering.
        { ForwarderError.RequestTimedOut, new TaskCanceledException("activity"), false },
        { ForwarderError.RequestTimedOut, null, false },
        { ForwarderError.ResponseHeaders, null, false },
        { ForwarderError.RequestCanceled, new TaskCanceledException("client", new TimeoutException()), false },
    };

    [Theory]
    [MemberData(nameof(ConnectionFailures))]
    public void IsConnectionFailure_RefusedOrConnectTimeout_NothingReachedTheBackend(ForwarderError error, Exception? exception, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error, exception));

        Assert.Equal(expected, FailureClassifier.IsConnectionFailure(context));
    }

    private sealed class ErrorFeature(ForwarderError error, Exception? exception = null) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception { get; } = exception;
    }
}
