using System.Globalization;

namespace SampleBackend;

/// <summary>One backend instance to serve: <c>name@region:port</c>.</summary>
public sealed record InstanceSpec(string Name, string Region, int Port)
{
    /// <summary>Parses <c>eu-1@eu-west:5101,us-1@us-east:5201</c>.</summary>
    public static IReadOnlyList<InstanceSpec> ParseList(string text)
    {
        var result = new List<InstanceSpec>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = item.IndexOf('@', StringComparison.Ordinal);
            var colon = item.LastIndexOf(':');
            if (at <= 0 || colon < at + 2 || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                throw new FormatException($"'{item}' is not name@region:port.");
            }

            result.Add(new InstanceSpec(item[..at], item[(at + 1)..colon], port));
        }

        if (result.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != result.Count)
        {
            throw new FormatException("instance names must be unique.");
        }

        return result;
    }
}
