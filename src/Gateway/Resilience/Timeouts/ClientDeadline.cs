using System.Globalization;
using Gateway.Grpc;
using Microsoft.Extensions.Primitives;

namespace Gateway.Resilience;

/// <summary>
/// How long the client says it will wait for this request: <c>X-Request-Deadline</c> in whole milliseconds (what the
/// gateway itself tells its backends, so a gateway or client in front of this one can say it the same way), or a gRPC
/// call's <c>grpc-timeout</c>; the tighter of the two when a gRPC call carries both. Two steps use it: admission holds a
/// queued request no longer than that, less the backend's latency, and refuses it on arrival when its queue would not
/// reach it in time (an answer granted after the client gave up is work nobody reads, and a refusal then comes too late
/// for its <c>Retry-After</c> to be heard; without it the gateway learns its clients' patience only from waits they
/// abandon, a second late for 1 s clients, docs/load-shedding.md); and the cluster's total timeout is cut to it, so
/// the backend's work is cancelled when the client stops listening rather than at the policy's timeout.
/// </summary>
/// <remarks>
/// A client can only shorten its own wait with it, never lengthen it past <c>QueueTimeout</c> or the policy's timeout,
/// nor anyone else's: so the header needs no trust. Admission reads it only for a request that must queue, and it does
/// not teach the cluster's learned client patience: one client sending 1 ms would otherwise close the queue to all.
/// </remarks>
internal static class ClientDeadline
{
    // Nine digits of milliseconds is over eleven days, far past any QueueTimeout; more is not a deadline.
    private const int MaxDigits = 9;

    /// <summary>The client's budget for <paramref name="request"/>, or <see cref="Timeout.InfiniteTimeSpan"/> when it names none.</summary>
    public static TimeSpan Of(HttpRequest request)
    {
        var headers = request.Headers;
        var budget = TryParseMilliseconds(headers[ResilienceConstants.DeadlineHeader], out var deadline) ? deadline : Timeout.InfiniteTimeSpan;
        if (GrpcProtocol.IsGrpc(request) && GrpcProtocol.TryParseTimeout(headers[GrpcConstants.TimeoutHeader], out var callTimeout) &&
            (budget == Timeout.InfiniteTimeSpan || callTimeout < budget))
        {
            return callTimeout;
        }

        return budget;
    }

    /// <summary>Reads one value of 1 to 9 digits; anything else is ignored, as gRPC servers ignore a malformed timeout.</summary>
    internal static bool TryParseMilliseconds(StringValues values, out TimeSpan budget)
    {
        budget = default;
        if (values.Count != 1 || values[0] is not { Length: >= 1 and <= MaxDigits } text ||
            !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return false;
        }

        budget = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }
}
