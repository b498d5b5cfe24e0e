namespace LoadTests.Load;

/// <summary>The shape of one stretch of load.</summary>
internal enum PhaseKind
{
    /// <summary>Linearly from <see cref="LoadPhase.From"/> to <see cref="LoadPhase.To"/>.</summary>
    Ramp,

    /// <summary>Holds <see cref="LoadPhase.From"/>.</summary>
    Constant,

    /// <summary>A sudden step to <see cref="LoadPhase.From"/>; constant, named apart so reports show it.</summary>
    Spike,

    /// <summary>No new arrivals (open model) or no users (closed model).</summary>
    Pause,
}

/// <summary>
/// One phase of a load simulation. In the open model <see cref="From"/> and <see cref="To"/> are arrivals per second;
/// in the closed model they are concurrent virtual users.
/// </summary>
internal sealed record LoadPhase(PhaseKind Kind, TimeSpan Duration, double From, double To)
{
    public static LoadPhase Ramp(double from, double to, TimeSpan duration) => new(PhaseKind.Ramp, duration, from, to);

    public static LoadPhase Constant(double value, TimeSpan duration) => new(PhaseKind.Constant, duration, value, value);

    public static LoadPhase Spike(double value, TimeSpan duration) => new(PhaseKind.Spike, duration, value, value);

    public static LoadPhase Pause(TimeSpan duration) => new(PhaseKind.Pause, duration, 0, 0);

    /// <summary>The rate or user count at <paramref name="into"/> since the phase began.</summary>
    public double ValueAt(TimeSpan into) => Kind switch
    {
        PhaseKind.Pause => 0,
        PhaseKind.Ramp => From + ((To - From) * Math.Clamp(into / Duration, 0, 1)),
        _ => From,
    };

    /// <summary>Arrivals the phase starts in the open model: the integral of its rate.</summary>
    public long ArrivalCount => Kind == PhaseKind.Pause ? 0 : (long)Math.Ceiling(((From + To) / 2 * Duration.TotalSeconds) - 1e-9);

    public override string ToString() => Kind switch
    {
        PhaseKind.Ramp => FormattableString.Invariant($"ramp {From:0.##}->{To:0.##} for {Duration.TotalSeconds:0.##}s"),
        PhaseKind.Pause => FormattableString.Invariant($"pause {Duration.TotalSeconds:0.##}s"),
        _ => FormattableString.Invariant($"{Kind.ToString().ToLowerInvariant()} {From:0.##} for {Duration.TotalSeconds:0.##}s"),
    };
}
