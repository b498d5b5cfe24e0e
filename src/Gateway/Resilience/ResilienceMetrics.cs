using System.Diagnostics.Metrics;
using Gateway.Telemetry;
using Polly.CircuitBreaker;

namespace Gateway.Resilience;

/// <summary>Instruments of the resilience policies, on the <c>Gateway</c> meter.</summary>
internal sealed class ResilienceMetrics
{

    private readonly Meter _meter;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _budgetExhausted;
    private readonly Counter<long> _bulkheadRejections;
    private readonly Counter<long> _circuitRejections;
    private readonly Counter<long> _timeouts;

    public ResilienceMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryConstants.MeterName);
        _transitions = _meter.CreateCounter<long>(
            "gateway.circuit.transitions",
            unit: "{transition}",
            description: "Circuit state changes, by cluster, destination and the state entered (open, half_open, closed).");
        _budgetExhausted = _meter.CreateCounter<long>(
            "gateway.retry.budget_exhausted",
            unit: "{retry}",
            description: "Retries not made because the cluster's retry budget was spent; the failure went to the client.");
        _bulkheadRejections = _meter.CreateCounter<long>(
            "gateway.bulkhead.rejections",
            unit: "{request}",
            description: "Requests refused with 503 overloaded because the cluster's concurrency limit (and queue) was full.");
        _circuitRejections = _meter.CreateCounter<long>(
            "gateway.circuit.rejections",
            unit: "{request}",
            description: "Requests refused with 503 circuit-open because every destination's circuit was open.");
        _timeouts = _meter.CreateCounter<long>(
            "gateway.timeouts",
            unit: "{timeout}",
            description: "Requests or attempts ended by a resilience timeout, by cluster and kind (total, attempt).");
    }

    /// <summary>Registers <c>gateway.circuit.state</c>, read from the registry at collection time.</summary>
    public void ObserveCircuits(ResilienceRegistry registry) =>
        _meter.CreateObservableGauge(
            "gateway.circuit.state",
            () => States(registry),
            unit: "1",
            description: "Circuit state per destination: 0 closed, 1 half-open, 2 open (3 isolated).");

    public void CircuitTransitioned(string cluster, string destination, CircuitState state)
    {
        if (_transitions.Enabled)
        {
            _transitions.Add(
                1,
                new KeyValuePair<string, object?>(MetricTags.Cluster, cluster),
                new KeyValuePair<string, object?>(MetricTags.Destination, destination),
                new KeyValuePair<string, object?>(MetricTags.State, StateName(state)));
        }
    }

    public void RetryBudgetExhausted(string cluster) => Add(_budgetExhausted, cluster);

    public void BulkheadRejected(string cluster) => Add(_bulkheadRejections, cluster);

    public void CircuitRejected(string cluster) => Add(_circuitRejections, cluster);

    public void TimedOut(string cluster, string kind)
    {
        if (_timeouts.Enabled)
        {
            _timeouts.Add(1, new KeyValuePair<string, object?>(MetricTags.Cluster, cluster), new KeyValuePair<string, object?>(MetricTags.TimeoutKind, kind));
        }
    }

    public static string StateName(CircuitState state) => state switch
    {
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        CircuitState.Isolated => "isolated",
        _ => "closed",
    };

    public static int StateValue(CircuitState state) => state switch
    {
        CircuitState.HalfOpen => 1,
        CircuitState.Open => 2,
        CircuitState.Isolated => 3,
        _ => 0,
    };

    private static void Add(Counter<long> counter, string cluster)
    {
        if (counter.Enabled)
        {
            counter.Add(1, new KeyValuePair<string, object?>(MetricTags.Cluster, cluster));
        }
    }

    private static IEnumerable<Measurement<int>> States(ResilienceRegistry registry)
    {
        foreach (var cluster in registry.All())
        {
            foreach (var (_, circuit) in cluster.Circuits)
            {
                yield return new Measurement<int>(
                    StateValue(circuit.State),
                    new KeyValuePair<string, object?>(MetricTags.Cluster, cluster.ClusterId),
                    new KeyValuePair<string, object?>(MetricTags.Destination, circuit.DestinationId));
            }
        }
    }
}
