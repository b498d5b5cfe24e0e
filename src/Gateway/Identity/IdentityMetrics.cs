using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Identity;

/// <summary>Identity instruments on the <c>Gateway</c> meter.</summary>
internal sealed class IdentityMetrics
{
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _verifications;
    private readonly Counter<long> _jwksFetches;

    public IdentityMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _decisions = meter.CreateCounter<long>(
            "gateway.identity.decisions",
            unit: "{request}",
            description: "Requests on routes with an identity policy, by policy and outcome (allowed, unauthenticated, forbidden).");
        _verifications = meter.CreateCounter<long>(
            "gateway.identity.token.verifications",
            unit: "{token}",
            description: "Bearer tokens the token cache did not answer, by outcome: allowed or unauthenticated after a signature check, or skipped (refused unverified: the client's budget of failed verifications for this second was spent).");
        _jwksFetches = meter.CreateCounter<long>(
            "gateway.identity.jwks.fetches",
            unit: "{fetch}",
            description: "Fetches of the JWT issuer's signing keys, by outcome (success or failure; a failure keeps the last good keys).");
    }

    public void Decided(string policy, string outcome)
    {
        if (_decisions.Enabled)
        {
            _decisions.Add(1, new KeyValuePair<string, object?>(MetricTags.IdentityPolicy, policy), new KeyValuePair<string, object?>(MetricTags.Outcome, outcome));
        }
    }

    public void Verified(bool valid, bool budgetSpent)
    {
        if (_verifications.Enabled)
        {
            var outcome = budgetSpent ? IdentityConstants.Skipped : valid ? IdentityConstants.Allowed : IdentityConstants.Unauthenticated;
            _verifications.Add(1, new KeyValuePair<string, object?>(MetricTags.Outcome, outcome));
        }
    }

    public void JwksFetched(bool success)
    {
        if (_jwksFetches.Enabled)
        {
            _jwksFetches.Add(1, new KeyValuePair<string, object?>(MetricTags.Outcome, success ? "success" : "failure"));
        }
    }
}
