using System.Globalization;

namespace LoadTests.Load;

/// <summary>
/// Reads phases from the command line: <c>ramp:0-200:10s,constant:200:30s,spike:2000:5s,pause:5s</c>.
/// </summary>
internal static class PhaseParser
{
    public static IReadOnlyList<LoadPhase> Parse(string text)
    {
        var phases = new List<LoadPhase>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':');
            var kind = parts[0].ToLowerInvariant();
            phases.Add((kind, parts.Length) switch
            {
                ("pause", 2) => LoadPhase.Pause(DurationParser.Parse(parts[1])),
                ("constant", 3) => LoadPhase.Constant(Number(parts[1]), DurationParser.Parse(parts[2])),
                ("spike", 3) => LoadPhase.Spike(Number(parts[1]), DurationParser.Parse(parts[2])),
                ("ramp", 3) => Ramp(parts[1], DurationParser.Parse(parts[2])),
                _ => throw new FormatException($"'{item}' is not a phase: use ramp:FROM-TO:DURATION, constant:N:DURATION, spike:N:DURATION or pause:DURATION."),
            });
        }

        if (phases.Count == 0)
        {
            throw new FormatException("no phases given.");
        }

        if (phases.Any(p => p.Duration <= TimeSpan.Zero))
        {
            throw new FormatException("every phase needs a duration above zero.");
        }

        return phases;
    }

    private static LoadPhase Ramp(string range, TimeSpan duration)
    {
        var dash = range.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0)
        {
            throw new FormatException($"'{range}' is not FROM-TO.");
        }

        return LoadPhase.Ramp(Number(range[..dash]), Number(range[(dash + 1)..]), duration);
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
            ? value
            : throw new FormatException($"'{text}' is not a number, 0 or more.");
}
