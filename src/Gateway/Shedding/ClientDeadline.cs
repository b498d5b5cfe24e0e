using System.Globalization;
using Gateway.Grpc;
using Gateway.Resilience;
using Microsoft.Extensions.Primitives;

namespace Gateway.Shedding;

/// <summary>
/// How long the client says it will wait for this request: <c>X-Request-Deadline</c> in whole milliseconds (what the
/// gateway itself tells its backends, so a gateway or client in front of this one can say it the same way), or a gRPC
/// call's <c>grpc-timeout</c>. Admission holds a queued request no longer than that, less the backend's latency, and
/// refuses it on arrival when its queue would not reach it in time: an answer granted after the client gave up is work
/// nobody reads, and a refusal then comes too late for its <c>Retry-After</c> to be heard. Without it the gateway learns
/// its clients' patience only from waits they abandon, a second late for 1 s clients (docs/load-shedding.md).
/// </summary>
/// <remarks>
/// A client can only shorten its own wait with it, never lengthen it past <c>QueueTimeout</c> nor anyone else's: so the
/// header needs no trust. It is read only for a request that must queue, and it does not teach the cluster's
/// <see cref="ClientPatience"/>: one client sending 1 ms would otherwise close the queue to all.
/// </remarks>
internal static class ClientDeadline
{
    // Nine digits of milliseconds is over eleven days, far past any QueueTimeout; more is not a deadline.
    private const int MaxDigits = 9;

    /// <summary>The client's budget for <paramref name="request"/>, or <see cref="Timeout.InfiniteTimeSpan"/> when it names none.</summary>
    public static TimeSpan Of(HttpRequest request)
    {
        var headers = request.Headers;
        if (TryParseMilliseconds(headers[ResilienceConstants.DeadlineHeader], out var budget))
        {
            return budget;
        }

        return GrpcProtocol.IsGrpc(request) && GrpcProtocol.TryParseTimeout(headers[GrpcConstants.TimeoutHeader], out budget)
            ? budget
            : Timeout.InfiniteTimeSpan;
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
