namespace SampleBackend;

/// <summary>The faults injected into one instance, changed over HTTP while it runs.</summary>
public sealed class FaultState
{
    private double _errorRate;
    private int _latencyMs;
    private int _errorStatus = 500;
    private volatile bool _hang;
    private volatile bool _reset;
    private volatile bool _resetMidBody;

    /// <summary>Share of requests answered 500, 0 to 1.</summary>
    public double ErrorRate { get => Volatile.Read(ref _errorRate); set => Volatile.Write(ref _errorRate, Math.Clamp(value, 0, 1)); }

    /// <summary>The status of an injected failure, 500 to 599; default 500.</summary>
    public int ErrorStatus { get => Volatile.Read(ref _errorStatus); set => Volatile.Write(ref _errorStatus, Math.Clamp(value, 500, 599)); }

    /// <summary>Milliseconds added to every request's service time.</summary>
    public int LatencyMs { get => Volatile.Read(ref _latencyMs); set => Volatile.Write(ref _latencyMs, Math.Max(0, value)); }

    /// <summary>Requests are accepted and never answered (until the client gives up).</summary>
    public bool Hang { get => _hang; set => _hang = value; }

    /// <summary>Connections are reset instead of answered.</summary>
    public bool Reset { get => _reset; set => _reset = value; }

    /// <summary>Answers start (status, headers, part of the body) and then the connection is reset.</summary>
    public bool ResetMidBody { get => _resetMidBody; set => _resetMidBody = value; }

    public void Clear()
    {
        ErrorRate = 0;
        ErrorStatus = 500;
        LatencyMs = 0;
        Hang = false;
        Reset = false;
        ResetMidBody = false;
    }

    /// <summary>Applies the query parameters present (errorRate, errorStatus, latencyMs, hang, reset, resetMidBody); returns an error or null.</summary>
    public string? Apply(IQueryCollection query)
    {
        if (query.TryGetValue("errorRate", out var rate))
        {
            if (!double.TryParse(rate, System.Globalization.CultureInfo.InvariantCulture, out var value) || value is < 0 or > 1)
            {
                return "errorRate must be a number from 0 to 1.";
            }

            ErrorRate = value;
        }

        if (query.TryGetValue("errorStatus", out var status))
        {
            if (!int.TryParse(status, out var value) || value is < 500 or > 599)
            {
                return "errorStatus must be a status code from 500 to 599.";
            }

            ErrorStatus = value;
        }

        if (query.TryGetValue("latencyMs", out var latency))
        {
            if (!int.TryParse(latency, out var value) || value < 0)
            {
                return "latencyMs must be a whole number of milliseconds, 0 or more.";
            }

            LatencyMs = value;
        }

        if (query.TryGetValue("hang", out var hang))
        {
            if (!bool.TryParse(hang, out var value))
            {
                return "hang must be true or false.";
            }

            Hang = value;
        }

        if (query.TryGetValue("reset", out var reset))
        {
            if (!bool.TryParse(reset, out var value))
            {
                return "reset must be true or false.";
            }

            Reset = value;
        }

        if (query.TryGetValue("resetMidBody", out var resetMidBody))
        {
            if (!bool.TryParse(resetMidBody, out var value))
            {
                return "resetMidBody must be true or false.";
            }

            ResetMidBody = value;
        }

        return null;
    }
}
