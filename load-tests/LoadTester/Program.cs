using LoadTests.Cli;
using LoadTests.Reporting;
using LoadTests.Scenarios;

var options = LoadTestCommandLine.Parse(args, out var error);
var scenario = options is null ? null : ScenarioCatalog.Build(options, out error);
if (options is null || scenario is null)
{
    await Console.Error.WriteLineAsync($"load-tests: {error}\n\n{LoadTestCommandLine.Usage}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the load and still writes the report of what ran; a second one kills the process.
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};

var commandLine = "dotnet run -c Release --project load-tests/LoadTester -- " + string.Join(' ', args);
var report = await new ScenarioRunner(TimeProvider.System, Console.Out).RunAsync(scenario, options, commandLine, stop.Token);
var directory = options.Out ?? Path.Combine("load-tests", "reports", $"{options.Scenario}-{report.StartedAt:yyyyMMdd-HHmmss}");
var files = ReportFiles.Write(report, directory);
Console.WriteLine();
Console.WriteLine(MarkdownReport.Render(report, []));
Console.WriteLine("report: " + string.Join(", ", files));
return report.Runs.Any(r => r.Aborted is not null) ? 1 : 0;
