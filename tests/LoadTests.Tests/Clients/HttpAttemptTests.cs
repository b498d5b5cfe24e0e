using System.Net;
using Gateway.FunctionalTests.Fixtures;
using LoadTests.Clients;
using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Clients;

public sealed class HttpAttemptTests
{
    private static readonly Uri s_uri = new("http://127.0.0.1:1/x");

    [Fact]
    public async Task SendAsync_GatewayRejection_ReadsStatusReasonAndRetryAfter()
    {
        using var client = new HttpMessageInvoker(new AnswerHandler(() =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            response.Headers.Add("X-Gateway-Reason", "overloaded");
            response.Headers.Add("Retry-After", "3");
            return response;
        }));

        var outcome = await HttpAttempt.SendAsync(client, s_uri, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);

        Assert.Equal(new AttemptOutcome(503, "overloaded", TimeSpan.FromSeconds(3), null), outcome);
        Assert.True(outcome.IsRejection && outcome.IsRetryable && !outcome.IsSuccess);
        Assert.Equal("503", outcome.Label);
    }

    [Theory]
    [InlineData(true, "1000")]
    [InlineData(false, null)]
    public async Task SendAsync_SendDeadline_TellsTheTimeoutInMilliseconds(bool sendDeadline, string? expected)
    {
        string? sent = null;
        using var client = new HttpMessageInvoker(new AnswerHandler(request =>
        {
            sent = request.Headers.TryGetValues("X-Request-Deadline", out var values) ? string.Join(",", values) : null;
            return new HttpResponseMessage(HttpStatusCode.OK);
        }));

        var outcome = await HttpAttempt.SendAsync(client, s_uri, TimeSpan.FromSeconds(1), TimeProvider.System, CancellationToken.None, sendDeadline);

        Assert.True(outcome.IsSuccess);
        Assert.Equal(expected, sent);
    }

    [Fact]
    public void RetryAfter_HttpDate_IsTheWaitUntilThen()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("Retry-After", "Fri, 27 Nov 2026 12:00:07 GMT");

        Assert.Equal(TimeSpan.FromSeconds(7), HttpAttempt.RetryAfter(response, time));
    }

    [Fact]
    public async Task SendAsync_NothingListening_IsConnectionRefused()
    {
        using var client = new HttpMessageInvoker(ClientHandlers.Create(TimeSpan.FromSeconds(5), 1));

        var outcome = await HttpAttempt.SendAsync(
            client, new Uri($"http://127.0.0.1:{FreePort.Next()}/x"), TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);

        Assert.Equal(AttemptOutcome.Failed("connection-refused"), outcome);
        Assert.True(outcome.IsRetryable);
    }

    [Fact]
    public async Task SendAsync_NoAnswerWithinTheTimeout_IsTimeout()
    {
        using var client = new HttpMessageInvoker(new AnswerHandler(() => new HttpResponseMessage(HttpStatusCode.OK), TimeSpan.FromSeconds(30)));

        var outcome = await HttpAttempt.SendAsync(client, s_uri, TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);

        Assert.Equal(AttemptOutcome.Failed("timeout"), outcome);
    }

    [Fact]
    public async Task SendAsync_RunStopping_IsCancelledAndNotRetried()
    {
        using var client = new HttpMessageInvoker(new AnswerHandler(() => new HttpResponseMessage(HttpStatusCode.OK), TimeSpan.FromSeconds(30)));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var outcome = await HttpAttempt.SendAsync(client, s_uri, TimeSpan.FromSeconds(30), TimeProvider.System, stop.Token);

        Assert.Equal(AttemptOutcome.Failed(AttemptOutcome.Cancelled), outcome);
        Assert.False(outcome.IsRetryable);
    }

    [Fact]
    public void DefaultMaxConnections_StaysUnderTheOpenFileLimit()
    {
        var limit = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];

        var connections = ClientLimits.DefaultMaxConnections();

        Assert.Equal(Math.Clamp(long.Parse(limit, System.Globalization.CultureInfo.InvariantCulture) * 9 / 10, 100, 1_000_000), connections);
    }

    private sealed class AnswerHandler(Func<HttpRequestMessage, HttpResponseMessage> answer, TimeSpan delay = default) : HttpMessageHandler
    {
        public AnswerHandler(Func<HttpResponseMessage> answer, TimeSpan delay = default)
            : this(_ => answer(), delay)
        {
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return answer(request);
        }
    }
}
