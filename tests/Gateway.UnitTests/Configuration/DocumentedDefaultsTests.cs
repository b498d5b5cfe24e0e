using System.Collections;
using System.Globalization;
using System.Reflection;
using Gateway.Configuration;
using Gateway.UnitTests.Fixtures;

namespace Gateway.UnitTests.Configuration;

/// <summary>
/// The configuration reference (docs/configuration.md) lists every key of the <c>Gateway</c> section with its default;
/// the code is the truth, so the tables are checked against freshly constructed options.
/// </summary>
public sealed class DocumentedDefaultsTests
{
    private const string PolicyPlaceholder = "<name>";

    private static readonly string ReferencePath = Path.Combine(RepoPaths.Root, "docs", "configuration.md");

    [Fact]
    public void EveryGatewayKey_IsDocumentedWithTheDefaultTheCodeHas()
    {
        var documented = DocumentedDefaults();
        var problems = new List<string>();
        foreach (var (key, value, property) in CodeDefaults())
        {
            if (!documented.TryGetValue(key, out var text))
            {
                problems.Add($"{key}: not in docs/configuration.md (the code's default is {Describe(value)})");
            }
            else if (!Matches(value, property, text))
            {
                problems.Add($"{key}: documented default '{text}', the code's is {Describe(value)}");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void EveryDocumentedGatewayKey_ExistsInTheCode()
    {
        var keys = CodeDefaults().Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var stale = DocumentedDefaults().Keys.Where(k => !keys.Contains(k)).ToList();

        Assert.True(stale.Count == 0, "documented but not in the code: " + string.Join(", ", stale));
    }

    /// <summary>The table rows of the <c>Gateway</c> section: <c>| `key` | default | range | meaning |</c>.</summary>
    private static Dictionary<string, string> DocumentedDefaults()
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(ReferencePath))
        {
            if (!line.StartsWith($"| `{GatewayOptions.SectionName}:", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            rows.Add(cells[1].Trim('`'), cells[2]);
        }

        return rows;
    }

    /// <summary>
    /// Every public settable property reachable from <see cref="GatewayOptions"/>: nested options records are walked,
    /// policy maps (dictionaries) are walked through a new policy under the <c>&lt;name&gt;</c> placeholder.
    /// </summary>
    private static List<(string Key, object? Value, PropertyInfo Property)> CodeDefaults()
    {
        var defaults = new List<(string, object?, PropertyInfo)>();
        Walk(GatewayOptions.SectionName, new GatewayOptions(), defaults);
        return defaults;
    }

    private static void Walk(string prefix, object options, List<(string, object?, PropertyInfo)> defaults)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true })
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var type = property.PropertyType;
            if (PolicyType(type) is { } policyType)
            {
                Walk($"{key}:{PolicyPlaceholder}", Activator.CreateInstance(policyType)!, defaults);
            }
            else if (IsOptionsRecord(type))
            {
                // An optional section (null when absent) is documented by its keys.
                Walk(key, property.GetValue(options) ?? Activator.CreateInstance(type)!, defaults);
            }
            else
            {
                defaults.Add((key, EffectiveValue(options, property), property));
            }
        }
    }

    private static bool IsOptionsRecord(Type type) => type.IsClass && type.Assembly == typeof(GatewayOptions).Assembly;

    private static Type? PolicyType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) ? type.GetGenericArguments()[1] : null;

    /// <summary>An unset list whose record says what applies instead (<c>Effective&lt;Name&gt;</c>) is documented by that.</summary>
    private static object? EffectiveValue(object options, PropertyInfo property)
    {
        var value = property.GetValue(options);
        var effective = options.GetType().GetProperty("Effective" + property.Name, BindingFlags.NonPublic | BindingFlags.Instance);
        return value is null && effective is not null ? effective.GetValue(options) : value;
    }

    private static bool Matches(object? value, PropertyInfo property, string text)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return value switch
        {
            null => text == "none",
            string s => text == s,
            bool b => text == (b ? "true" : "false"),
            TimeSpan t => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var documented) && documented == t,
            IEnumerable list => text == $"[{string.Join(", ", list.Cast<object>().Select(Invariant))}]",
            _ when type == typeof(int) || type == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n == Convert.ToInt64(value, CultureInfo.InvariantCulture),
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d.Equals((double)value),
            _ => throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name}: no rule to compare a {type.Name} with the docs."),
        };
    }

    private static string Describe(object? value) => value switch
    {
        null => "none",
        string s => s,
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IEnumerable list => $"[{string.Join(", ", list.Cast<object>().Select(Invariant))}]",
        _ => Invariant(value),
    };

    private static string Invariant(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;
}
