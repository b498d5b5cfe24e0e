namespace Gateway.Shedding;

/// <summary>
/// Around the forwarder's <c>SendAsync</c>: times each attempt from the request being sent to the response headers
/// received, the backend's share of it, for the cluster's adaptive limit, less the gateway's own scheduling lag
/// (<see cref="SchedulingLag"/>). Timing here rather than around the proxy pipeline keeps the gateway's transforms,
/// queueing and the copy of the body to a slow client out of it: a gateway starved of CPU otherwise shrank the limit
/// to 20-45 for a backend of capacity 200.
/// </summary>
internal sealed class SheddingLatencyHandler(HttpMessageHandler inner, TimeProvider time, SchedulingLag lag) : DelegatingHandler(inner)
{
    /// <summary>The admitted request's shedder, set on the outgoing request by the shedding transform.</summary>
    public static readonly HttpRequestOptionsKey<ClusterShedder> ShedderKey = new("Gateway.Shedding.ClusterShedder");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Options.TryGetValue(ShedderKey, out var shedder) ? TimeAsync(request, shedder, cancellationToken) : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> TimeAsync(HttpRequestMessage request, ClusterShedder shedder, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        // 5xx answers (often fast failures) would teach the limit that the cluster is fast; failed attempts throw.
        if ((int)response.StatusCode < StatusCodes.Status500InternalServerError)
        {
            var end = time.GetTimestamp();
            var baseline = shedder.Limit.BaselineSeconds;
            var floor = double.IsFinite(baseline) ? (long)(baseline * time.TimestampFrequency) : long.MaxValue / 2;
            shedder.Limit.Record(start, lag.Discount(start, end, floor), shedder.InFlight);
        }

        return response;
    }
}
