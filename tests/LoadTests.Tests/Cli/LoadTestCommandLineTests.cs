using LoadTests.Cli;
using LoadTests.Clients;

namespace LoadTests.Tests.Cli;

public sealed class LoadTestCommandLineTests
{
    [Fact]
    public void Parse_ScenarioOnly_Defaults()
    {
        var options = LoadTestCommandLine.Parse(["reconnect-storm"], out var error);

        Assert.Null(error);
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), options!.Target);
        Assert.Equal((20_000, TimeSpan.FromSeconds(5)), (options.Clients, options.Window));
        Assert.Equal([ClientRetryPolicy.None], options.Policies);
        Assert.Equal(["/session/auth", "/api/state", "/api/list"], options.Bootstrap);
        Assert.Equal(RetrySettings.Default, options.Retry);
        Assert.Equal(0, options.SendDeadlineFraction);
    }

    [Theory]
    [InlineData("0.5", 0.5)]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    public void Parse_SendDeadlineFraction_IsRead(string value, double expected)
    {
        var options = LoadTestCommandLine.Parse(["reconnect-storm", "--send-deadline-fraction", value], out var error);

        Assert.Null(error);
        Assert.Equal(expected, options!.SendDeadlineFraction);
    }

    [Fact]
    public void Parse_SendDeadlineFractionOverOne_IsAnError()
    {
        var options = LoadTestCommandLine.Parse(["reconnect-storm", "--send-deadline-fraction", "1.5"], out var error);

        Assert.Null(options);
        Assert.Contains("from 0 to 1", error);
    }

    [Fact]
    public void Parse_Options_AreRead()
    {
        var options = LoadTestCommandLine.Parse(
            ["steady", "--target", "http://localhost:18080", "--rate", "250", "--duration", "2m", "--policy", "immediate,honour-retry-after",
             "--connection", "per-session", "--max-retries", "3", "--paths", "/a,/b", "--model", "closed", "--users", "7", "--quiet",
             "--send-deadline"],
            out var error);

        Assert.Null(error);
        Assert.Equal(1, options!.SendDeadlineFraction);
        Assert.Equal(new Uri("http://localhost:18080/"), options!.Target);
        Assert.Equal((250.0, TimeSpan.FromMinutes(2), 7, true, true), (options.Rate, options.Duration!.Value, options.Users, options.ClosedModel, options.Quiet));
        Assert.Equal([ClientRetryPolicy.Immediate, ClientRetryPolicy.HonourRetryAfter], options.Policies);
        Assert.Equal(ConnectionMode.PerSession, options.Connection);
        Assert.Equal(3, options.Retry.MaxRetries);
        Assert.Equal(["/a", "/b"], options.Paths);
    }

    [Theory]
    [InlineData("http://10.0.0.5:8080")]
    [InlineData("http://example.com")]
    [InlineData("http://192.168.1.1")]
    public void Parse_NonLoopbackTarget_IsRefused(string target)
    {
        var options = LoadTestCommandLine.Parse(["steady", "--target", target], out var error);

        Assert.Null(options);
        Assert.Contains("--allow-host", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NonLoopbackControl_IsRefused()
    {
        Assert.Null(LoadTestCommandLine.Parse(["steady", "--control", "http://10.1.1.1:5100"], out var error));
        Assert.Contains("10.1.1.1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NonLoopbackTargetNamedByAllowHost_IsAccepted()
    {
        var options = LoadTestCommandLine.Parse(["steady", "--allow-host", "10.0.0.5", "--target", "http://10.0.0.5:8080"], out var error);

        Assert.Null(error);
        Assert.Equal("10.0.0.5", options!.Target.Host);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("[::1]", true)]
    [InlineData("localhost", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("localhost.example.com", false)]
    public void IsLoopback_OnlyTheLoopbackRange(string host, bool loopback) => Assert.Equal(loopback, TargetGuard.IsLoopback(host));

    [Theory]
    [InlineData(new string[0], "name a scenario")]
    [InlineData(new[] { "storm" }, "not a scenario")]
    [InlineData(new[] { "steady", "--bogus", "1" }, "unknown option --bogus")]
    [InlineData(new[] { "steady", "--rate" }, "--rate needs a value")]
    [InlineData(new[] { "steady", "--rate", "-5" }, "'-5' is not a number")]
    [InlineData(new[] { "steady", "--policy", "polite" }, "not a retry policy")]
    [InlineData(new[] { "steady", "--clients", "0" }, "not a whole number")]
    [InlineData(new[] { "steady", "--retry-base", "5s", "--retry-max", "1s" }, "--retry-base")]
    public void Parse_BadInput_IsAnError(string[] args, string message)
    {
        Assert.Null(LoadTestCommandLine.Parse(args, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
