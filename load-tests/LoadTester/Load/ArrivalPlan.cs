namespace LoadTests.Load;

/// <summary>
/// When each arrival of an open model is due: arrival k of a phase starts where the integral of the phase's rate
/// reaches k, so a constant rate R spaces starts exactly 1/R apart and a phase of R for T seconds has R x T of them.
/// </summary>
internal static class ArrivalPlan
{
    public static IEnumerable<Arrival> Enumerate(IReadOnlyList<LoadPhase> phases)
    {
        var phaseStart = TimeSpan.Zero;
        long index = 0;
        for (var p = 0; p < phases.Count; p++)
        {
            var phase = phases[p];
            var count = phase.ArrivalCount;
            for (long k = 0; k < count; k++)
            {
                yield return new Arrival(index++, phaseStart + OffsetInPhase(phase, k), p);
            }

            phaseStart += phase.Duration;
        }
    }

    public static long TotalArrivals(IReadOnlyList<LoadPhase> phases) => phases.Sum(p => p.ArrivalCount);

    public static TimeSpan TotalDuration(IReadOnlyList<LoadPhase> phases) =>
        phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);

    private static TimeSpan OffsetInPhase(LoadPhase phase, long k)
    {
        // N(t) = a t + b t^2 / 2 with a the starting rate and b the slope; solve N(t) = k.
        var a = phase.From;
        var b = phase.Kind == PhaseKind.Ramp ? (phase.To - phase.From) / phase.Duration.TotalSeconds : 0;
        double seconds;
        if (Math.Abs(b) < 1e-12)
        {
            seconds = k / a;
        }
        else
        {
            var discriminant = Math.Max(0, (a * a) + (2 * b * k));
            seconds = (-a + Math.Sqrt(discriminant)) / b;
        }

        // Rounded to whole ticks so a rate that divides a second (50/s: every 20 ms) lands exactly on it.
        return TimeSpan.FromTicks((long)Math.Round(Math.Clamp(seconds, 0, phase.Duration.TotalSeconds) * TimeSpan.TicksPerSecond));
    }
}
