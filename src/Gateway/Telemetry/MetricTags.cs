namespace Gateway.Telemetry;

/// <summary>Tag keys used on the gateway's instruments.</summary>
internal static class MetricTags
{
    public const string Outcome = "outcome";
    public const string Reason = "gateway.reason";
    public const string StatusCode = "http.response.status_code";
    public const string Cluster = "gateway.cluster";
    public const string Region = "gateway.region";
    public const string State = "state";
}
