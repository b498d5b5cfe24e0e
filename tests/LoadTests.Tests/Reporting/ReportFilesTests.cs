using LoadTests.Clients;
using LoadTests.Reporting;
using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Reporting;

public sealed class ReportFilesTests
{
    [Fact]
    public void Write_JsonMarkdownAndPng_JsonReadsBack()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());
        for (var i = 0; i < 30; i++)
        {
            stats.AttemptStarted();
            stats.RecordAttempt("/api/state", i % 3 == 0 ? new AttemptOutcome(503, "overloaded", null, null) : new AttemptOutcome(200, null, null, null));
            stats.RecordCall("/api/state", i % 3 != 0, stats.Origin);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var (steps, overall, duration, timeline) = stats.Summarise();
        var run = new RunReport(
            "none, keep-alive", "open", "constant 10 for 3s", "none", "keep-alive", duration, steps, overall,
            stats.SummariseSessions(30), [new BackendInstanceReport("eu-1", "eu-west", 12, 20, 3)], [new RunEvent(1.5, "region eu-west down")], timeline, null);
        var report = new LoadReport("steady", "http://127.0.0.1:8080/", "load-tests steady", time.GetUtcNow(), "test", [run]);
        var directory = Path.Combine(Path.GetTempPath(), "load-tests-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var files = ReportFiles.Write(report, directory);

            Assert.Equal(["report.json", "report.md", "chart-1-none--keep-alive.png"], files.Select(Path.GetFileName));
            var read = ReportFiles.Read(files[0]);
            Assert.Equal(report.Runs[0].Overall.Calls, read.Runs[0].Overall.Calls);
            Assert.Equal(report.Runs[0].Overall.StatusCodes, read.Runs[0].Overall.StatusCodes);
            Assert.Equal(report.Runs[0].Overall.Latency, read.Runs[0].Overall.Latency);
            var markdown = File.ReadAllText(files[1]);
            Assert.Contains("| **overall** | 30 | 20 | 10 | 30 |", markdown, StringComparison.Ordinal);
            Assert.Contains("| eu-1 | eu-west | 12 | 20 |", markdown, StringComparison.Ordinal);
            Assert.Contains("![goodput, rejections and p99 over time](chart-1-none--keep-alive.png)", markdown, StringComparison.Ordinal);
            var png = File.ReadAllBytes(files[2]);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
