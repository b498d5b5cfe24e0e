using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Common;

/// <summary>
/// Reads dashboards/gateway.json: its panels, their PromQL expressions and the metric names those name. Compiled into
/// both test projects: the unit tests check the reading, the functional tests check it against a real /metrics.
/// </summary>
internal static partial class DashboardQueries
{
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

    /// <summary>The metric names in a PromQL expression: identifiers that are not functions, keywords or labels.</summary>
    internal static IEnumerable<string> MetricsIn(string expression)
    {
        var bare = StringLiteral().Replace(expression, "\"\"");
        bare = LabelMatchers().Replace(bare, " ");
        bare = RangeOrSubquery().Replace(bare, " ");
        bare = Grouping().Replace(bare, " ");
        foreach (Match match in Identifier().Matches(bare))
        {
            var rest = bare[(match.Index + match.Length)..].TrimStart();
            if (!rest.StartsWith('(') && !PromQlWords.Contains(match.Value.ToLowerInvariant()) && !match.Value.StartsWith('$'))
            {
                yield return match.Value;
            }
        }
    }

    internal static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            yield return panel!.AsObject();
            if (panel["panels"] is JsonArray nested)
            {
                foreach (var inner in nested)
                {
                    yield return inner!.AsObject();
                }
            }
        }
    }

    internal static List<string> Expressions(JsonObject dashboard) =>
        [.. Panels(dashboard).SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => (string?)t!["expr"]).OfType<string>()];

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex("\\[[^\\]]*\\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex("\\$?[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
