namespace Gateway.Health;

/// <summary>What <see cref="OutlierTracker.TryEject"/> decided for a destination that reached its failure threshold.</summary>
/// <param name="Outcome">Ejected, or why not.</param>
/// <param name="OthersEjected">Other destinations of the cluster ejected when the decision was made.</param>
/// <param name="EjectionTime">How long the destination is ejected for; zero when it was not ejected now.</param>
/// <param name="StreakEjections">Ejections in the destination's current streak, this one included.</param>
internal readonly record struct EjectionDecision(EjectionOutcome Outcome, int OthersEjected, TimeSpan EjectionTime, int StreakEjections);

internal enum EjectionOutcome
{
    /// <summary>Ejected already (another failure got there first); nothing changed.</summary>
    AlreadyEjected,

    /// <summary>Not ejected: the cluster has its <c>MaxEjectionPercent</c> ejected already.</summary>
    Capped,

    /// <summary>Ejected for <see cref="EjectionDecision.EjectionTime"/>.</summary>
    Ejected,
}
