using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Streaming;
using Gateway.Utilities;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class WebSocketsValidatorTests
{
    private const string Route = "ReverseProxy:Routes:r";

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var webSockets = new WebSocketsOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { WebSockets = webSockets }));
        Assert.Equal(TimeSpan.FromMinutes(5), webSockets.IdleTimeout);
        Assert.Equal(TimeSpan.Zero, webSockets.KeepAliveInterval);
    }

    [Fact]
    public void Validate_KeepAliveInterval_OneSecondToAnHourAndBelowTheIdleTimeout()
    {
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { WebSockets = new WebSocketsOptions { KeepAliveInterval = TimeSpan.FromSeconds(1) } }));
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            WebSockets = new WebSocketsOptions { IdleTimeout = TimeSpan.FromHours(2), KeepAliveInterval = TimeSpan.FromHours(1) },
        }));

        var tooShort = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { WebSockets = new WebSocketsOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(10) } }));
        Assert.Equal("Gateway:WebSockets:KeepAliveInterval", tooShort.Path);
        Assert.Contains("must be between 00:00:01 and 01:00:00 (was 00:00:00.0100000).", tooShort.Reason, StringComparison.Ordinal);

        var notBelowIdle = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            WebSockets = new WebSocketsOptions { IdleTimeout = TimeSpan.FromSeconds(30), KeepAliveInterval = TimeSpan.FromSeconds(30) },
        }));
        Assert.Equal("must be below IdleTimeout (00:00:30), or the socket is closed before its first ping (was 00:00:30).", notBelowIdle.Reason);
    }

    [Fact]
    public void Validate_MinimumAndMaximumValues_AreValid()
    {
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { WebSockets = new WebSocketsOptions { IdleTimeout = TimeSpan.FromSeconds(1) } }));
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { WebSockets = new WebSocketsOptions { IdleTimeout = TimeSpan.FromHours(24) } }));
    }

    [Fact]
    public void Validate_IdleTimeoutOutOfRange_NamesTheRange()
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { WebSockets = new WebSocketsOptions { IdleTimeout = TimeSpan.FromMilliseconds(500) } }));

        Assert.Equal("Gateway:WebSockets:IdleTimeout", error.Path);
        Assert.Contains("must be between 00:00:01 and 1.00:00:00 (was 00:00:00.5000000).", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IdleTimeout")]
    [InlineData("WebSocketIdleTimeout")]
    public void ValidateRoute_IdleTimeouts_AreDurationsFromOneSecondToADay(string key)
    {
        Assert.Empty(Errors(key, "02:00:00"));
        Assert.Empty(Errors(key, "00:00:01"));

        var notADuration = Assert.Single(Errors(key, "soon"));
        Assert.Equal($"{Route}:Metadata:{key}", notADuration.Path);
        Assert.Equal("must be a duration hh:mm:ss[.fff] (was 'soon').", notADuration.Reason);

        var tooLong = Assert.Single(Errors(key, "2.00:00:00"));
        Assert.Contains("must be between 00:00:01 and 1.00:00:00 (was 2.00:00:00).", tooLong.Reason, StringComparison.Ordinal);
    }

    private static IReadOnlyList<ConfigError> Errors(string key, string value)
    {
        var errors = new ConfigErrorList();
        WebSocketsValidator.ValidateRoute(Route, new Dictionary<string, string> { [key] = value }, errors);
        return errors.Errors;
    }
}
