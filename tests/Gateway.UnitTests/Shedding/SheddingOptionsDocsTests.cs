using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Shedding;
using Gateway.UnitTests.Fixtures;

namespace Gateway.UnitTests.Shedding;

/// <summary>The defaults the docs state for <c>Gateway:Shedding</c> are the code's.</summary>
public sealed partial class SheddingOptionsDocsTests
{
    [Theory]
    [InlineData("docs/configuration.md")]
    [InlineData("docs/load-shedding.md")]
    public void DocumentedDefaults_AreTheCodes(string page)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, page));
        var defaults = new SheddingOptions();
        var rows = 0;
        foreach (Match row in Row().Matches(text))
        {
            var key = row.Groups["key"].Value;
            var documented = row.Groups["default"].Value.Trim();
            var property = typeof(SheddingOptions).GetProperty(key) ?? throw new InvalidOperationException($"{page}: no option {key}");
            var value = property.GetValue(defaults);
            object parsed = value switch
            {
                bool => bool.Parse(documented),
                int => int.Parse(documented, CultureInfo.InvariantCulture),
                double => double.Parse(documented, CultureInfo.InvariantCulture),
                TimeSpan => TimeSpan.Parse(documented, CultureInfo.InvariantCulture),
                _ => throw new InvalidOperationException($"{key}: {value?.GetType()}"),
            };
            Assert.True(Equals(value, parsed), $"{page}: Gateway:Shedding:{key} documented {documented}, code {value}");
            rows++;
        }

        Assert.Equal(typeof(SheddingOptions).GetProperties().Length, rows);
    }

    [GeneratedRegex(@"^\| `Gateway:Shedding:(?<key>\w+)` \| (?<default>[^|]+) \|[^|]+\|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
