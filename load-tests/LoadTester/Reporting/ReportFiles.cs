using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadTests.Reporting;

/// <summary>Writes a report as <c>report.json</c>, <c>report.md</c> and one <c>chart-*.png</c> per run.</summary>
internal static class ReportFiles
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IReadOnlyList<string> Write(LoadReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var charts = new List<string>();
        for (var i = 0; i < report.Runs.Count; i++)
        {
            var name = ChartName(report.Runs[i], i);
            ChartWriter.Write(report.Runs[i], report.Scenario, Path.Combine(directory, name));
            charts.Add(name);
            written.Add(Path.Combine(directory, name));
        }

        var json = Path.Combine(directory, "report.json");
        File.WriteAllText(json, JsonSerializer.Serialize(report, s_json));
        written.Insert(0, json);
        var markdown = Path.Combine(directory, "report.md");
        File.WriteAllText(markdown, MarkdownReport.Render(report, charts));
        written.Insert(1, markdown);
        return written;
    }

    public static LoadReport Read(string path) =>
        JsonSerializer.Deserialize<LoadReport>(File.ReadAllText(path), s_json) ?? throw new InvalidDataException(path + " is empty.");

    private static string ChartName(RunReport run, int index) =>
        $"chart-{index + 1}-{new string(run.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray())}.png";
}
