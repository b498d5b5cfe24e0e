using Gateway.Answers;
using Gateway.Telemetry;

namespace Gateway.Shedding;

/// <summary>The answer load shedding gives, built once so a refusal allocates nothing.</summary>
internal static class SheddingProblems
{
    public static GatewayProblem Overloaded { get; } = GatewayProblem.Create(
        StatusCodes.Status503ServiceUnavailable,
        GatewayReason.Overloaded,
        "Overloaded",
        "The route's cluster is at the concurrency it serves best; the gateway refused this request instead of queueing it. Retry after the time given.");
}
