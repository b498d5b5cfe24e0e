namespace Gateway.Resilience;

/// <summary>What one attempt says about its destination, as its circuit breaker is told.</summary>
internal enum AttemptVerdict
{
    /// <summary>The destination answered with a status that is not in the breaker's failure list.</summary>
    Success,

    /// <summary>A failure status, a connect error or connect timeout, a reset, a broken response.</summary>
    Failure,

    /// <summary>
    /// The client went away before the destination's answer was through: the attempt says nothing about the
    /// destination, so it counts neither way (see <see cref="DestinationCircuit"/>).
    /// </summary>
    ClientAborted,
}
