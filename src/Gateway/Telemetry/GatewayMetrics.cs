using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Telemetry;

/// <summary>The gateway's own instruments, on the <c>Gateway</c> meter.</summary>
internal sealed class GatewayMetrics
{
    private readonly Counter<long> _configReloads;
    private readonly Counter<long> _responses;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _configReloads = meter.CreateCounter<long>(
            "gateway.config.reloads",
            unit: "{reload}",
            description: "Configuration loads and reloads, by outcome (applied or rejected).");
        _responses = meter.CreateCounter<long>(
            "gateway.responses",
            unit: "{response}",
            description: "Responses the gateway gave itself instead of a backend, by reason and status code.");
    }

    public void ConfigReloaded(string outcome)
    {
        if (_configReloads.Enabled)
        {
            _configReloads.Add(1, new KeyValuePair<string, object?>(MetricTags.Outcome, outcome));
        }
    }

    public void GatewayResponded(string reason, int statusCode)
    {
        if (_responses.Enabled)
        {
            var tags = new TagList
            {
                { MetricTags.Reason, reason },
                { MetricTags.StatusCode, statusCode },
            };
            _responses.Add(1, tags);
        }
    }
}
