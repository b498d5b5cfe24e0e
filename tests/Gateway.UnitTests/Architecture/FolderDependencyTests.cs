using System.Text.RegularExpressions;
using Gateway.UnitTests.Fixtures;

namespace Gateway.UnitTests.Architecture;

/// <summary>
/// The feature folders of src/Gateway depend on each other in one direction only: no folder imports a folder that
/// imports it back, directly or through others. The project root (GatewayPipeline, AddGateway, the per-request
/// state beside the path) composes them all and is not a feature folder.
/// </summary>
public sealed partial class FolderDependencyTests
{
    [Fact]
    public void FeatureFolders_FormNoCycle()
    {
        var graph = ImportsByFolder();
        Assert.True(graph.Count > 10, $"expected the feature folders, found {graph.Count}");

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, $"folder cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void FindCycle_SpotsALoopThroughAThirdFolder()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
        };

        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
    }

    private static Dictionary<string, HashSet<string>> ImportsByFolder()
    {
        var source = Path.Combine(RepoPaths.Root, "src", "Gateway");
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var folder in Directory.GetDirectories(source))
        {
            var name = Path.GetFileName(folder);
            if (name is "bin" or "obj")
            {
                continue;
            }

            var imports = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match match in GatewayUsing().Matches(File.ReadAllText(file)))
                {
                    var imported = match.Groups["folder"].Value;
                    if (imported != name)
                    {
                        imports.Add(imported);
                    }
                }
            }

            graph[name] = imports;
        }

        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            var path = new List<string>();
            if (Visit(start, graph, done, path) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private static List<string>? Visit(string folder, Dictionary<string, HashSet<string>> graph, HashSet<string> done, List<string> path)
    {
        var at = path.IndexOf(folder);
        if (at >= 0)
        {
            return [.. path.Skip(at), folder];
        }

        if (done.Contains(folder))
        {
            return null;
        }

        path.Add(folder);
        foreach (var next in (graph.TryGetValue(folder, out var imports) ? imports : []).Order(StringComparer.Ordinal))
        {
            if (Visit(next, graph, done, path) is { } cycle)
            {
                return cycle;
            }
        }

        path.RemoveAt(path.Count - 1);
        done.Add(folder);
        return null;
    }

    [GeneratedRegex(@"^using Gateway\.(?<folder>[A-Za-z]+)[.;]", RegexOptions.Multiline)]
    private static partial Regex GatewayUsing();
}
