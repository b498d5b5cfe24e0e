using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Identity;

/// <summary>Identity instruments on the <c>Gateway</c> meter.</summary>
internal sealed class IdentityMetrics
{
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _jwksFetches;

    // Token verifications by outcome, counted here and read by the meter when it collects: in a flood of forged tokens
    // nearly every request is a skipped verification, and one increment costs less than a counter update with its tag
    // (that request also counts as a decision, which a rate-limit refusal's one update is measured against).
    private long _verifiedAllowed;
    private long _verifiedRefused;
    private long _skipped;

    public IdentityMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _decisions = meter.CreateCounter<long>(
            "gateway.identity.decisions",
            unit: "{request}",
            description: "Requests on routes with an identity policy, by policy and outcome (allowed, unauthenticated, forbidden).");
        meter.CreateObservableCounter(
            "gateway.identity.token.verifications",
            ObserveVerifications,
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

    public void Verified(bool valid, bool budgetSpent) =>
        Interlocked.Increment(ref budgetSpent ? ref _skipped : ref valid ? ref _verifiedAllowed : ref _verifiedRefused);

    private Measurement<long>[] ObserveVerifications() =>
    [
        new(Volatile.Read(ref _verifiedAllowed), new KeyValuePair<string, object?>(MetricTags.Outcome, IdentityConstants.Allowed)),
        new(Volatile.Read(ref _verifiedRefused), new KeyValuePair<string, object?>(MetricTags.Outcome, IdentityConstants.Unauthenticated)),
        new(Volatile.Read(ref _skipped), new KeyValuePair<string, object?>(MetricTags.Outcome, IdentityConstants.Skipped)),
    ];

    public void JwksFetched(bool success)
    {
        if (_jwksFetches.Enabled)
        {
            _jwksFetches.Add(1, new KeyValuePair<string, object?>(MetricTags.Outcome, success ? "success" : "failure"));
        }
    }
}
