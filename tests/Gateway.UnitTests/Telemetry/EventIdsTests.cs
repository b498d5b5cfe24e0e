using System.Reflection;
using Gateway.Telemetry;
using Microsoft.Extensions.Logging;

namespace Gateway.UnitTests.Telemetry;

public sealed class EventIdsTests
{
    private static readonly FieldInfo[] Table = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static);

    [Fact]
    public void EventIds_AreUnique()
    {
        var duplicates = Table.GroupBy(f => (int)f.GetRawConstantValue()!).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(f => f.Name))}")
            .ToList();

        Assert.True(duplicates.Count == 0, string.Join("; ", duplicates));
    }

    [Fact]
    public void LoggerMessages_UseOneIdEachFromTheTable()
    {
        var ids = Table.Select(f => (int)f.GetRawConstantValue()!).ToHashSet();
        var used = typeof(EventIds).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        Assert.NotEmpty(used);
        Assert.All(used, m => Assert.Contains(m.Attribute!.EventId, ids));
        Assert.Equal(used.Count, used.Select(m => m.Attribute!.EventId).Distinct().Count());
        Assert.Equal(ids.Count, used.Count);
    }
}
