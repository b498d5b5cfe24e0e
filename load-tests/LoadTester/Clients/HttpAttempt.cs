using System.Net.Sockets;

namespace LoadTests.Clients;

/// <summary>Sends one request, reads the whole answer and turns it, or its failure, into an <see cref="AttemptOutcome"/>.</summary>
internal static class HttpAttempt
{
    private const string GatewayReasonHeader = "X-Gateway-Reason";

    /// <summary>The client's deadline as the gateway reads it: the time it waits for this attempt, in whole milliseconds.</summary>
    internal const string DeadlineHeader = "X-Request-Deadline";

    /// <param name="sendDeadline">Whether to tell the server <paramref name="timeout"/> (<see cref="DeadlineHeader"/>), as gRPC clients send <c>grpc-timeout</c>.</param>
    public static async ValueTask<AttemptOutcome> SendAsync(
        HttpMessageInvoker client, Uri uri, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, bool sendDeadline = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (sendDeadline)
        {
            request.Headers.TryAddWithoutValidation(DeadlineHeader, ((long)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.SendAsync(request, deadline.Token).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, deadline.Token).ConfigureAwait(false);
            string? reason = null;
            if (response.Headers.TryGetValues(GatewayReasonHeader, out var values))
            {
                reason = values.FirstOrDefault();
            }

            return new AttemptOutcome((int)response.StatusCode, reason, RetryAfter(response, time), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AttemptOutcome.Failed("timeout");
        }
        catch (OperationCanceledException)
        {
            // The run is stopping; counted so that attempts still add up to their outcomes.
            return AttemptOutcome.Failed(AttemptOutcome.Cancelled);
        }
        catch (HttpRequestException ex)
        {
            return AttemptOutcome.Failed(Classify(ex));
        }
        catch (IOException ex)
        {
            return AttemptOutcome.Failed(ex.InnerException is SocketException socket ? SocketError(socket) : "io-error");
        }
    }

    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => RawHttpHead.Until(date, time),
        _ => null,
    };

    private static string Classify(HttpRequestException ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return SocketError(socket);
            }
        }

        return ex.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "connection-error",
            HttpRequestError.ResponseEnded => "response-ended",
            HttpRequestError.InvalidResponse => "invalid-response",
            _ => "http-error",
        };
    }

    internal static string SocketError(SocketException socket) => socket.SocketErrorCode switch
    {
        System.Net.Sockets.SocketError.ConnectionRefused => "connection-refused",
        System.Net.Sockets.SocketError.ConnectionReset => "connection-reset",
        System.Net.Sockets.SocketError.TimedOut => "connect-timeout",
        System.Net.Sockets.SocketError.TooManyOpenSockets => "client-out-of-sockets",
        System.Net.Sockets.SocketError.AddressAlreadyInUse or System.Net.Sockets.SocketError.AddressNotAvailable => "client-out-of-ports",
        _ => "socket-" + socket.SocketErrorCode.ToString().ToLowerInvariant(),
    };
}
