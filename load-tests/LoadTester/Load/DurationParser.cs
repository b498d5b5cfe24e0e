using System.Globalization;

namespace LoadTests.Load;

/// <summary>Durations on the command line: <c>250ms</c>, <c>5s</c>, <c>2m</c>, or plain seconds.</summary>
internal static class DurationParser
{
    public static TimeSpan Parse(string text)
    {
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || !double.IsFinite(value))
        {
            throw new FormatException($"'{text}' is not a duration such as 500ms, 5s or 2m.");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
