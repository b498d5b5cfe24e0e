using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Gateway.AccessLog;

/// <summary>
/// What the access log learns about one sampled request, filled in along the request path (the middleware at both
/// ends, the transforms at each attempt) and turned into a JSON line by the background writer, off the request path.
/// </summary>
internal sealed class AccessLogRecord
{
    private const int TraceParentLength = 55;
    private const int TraceIdOffset = 3;
    private const int TraceIdLength = 32;

    public DateTimeOffset Time { get; init; }

    public long StartTimestamp { get; init; }

    public long EndTimestamp { get; set; }

    public IPAddress? Client { get; set; }

    public string Method { get; init; } = string.Empty;

    public string? Host { get; init; }

    public string? Path { get; init; }

    public int Status { get; set; }

    public string? Reason { get; set; }

    public string? Route { get; set; }

    public string? Cluster { get; set; }

    public string? Destination { get; set; }

    public string? Region { get; set; }

    /// <summary>Attempts sent to a backend (retries included); written by the request transform.</summary>
    public int Attempts { get; set; }

    /// <summary>When the last attempt's response headers arrived; 0 when none did. Written by the response transform.</summary>
    public long BackendHeadersTimestamp { get; set; }

    /// <summary>Request body bytes read; null when the request has no body.</summary>
    public CountingStream? BodyIn { get; set; }

    public CountingResponseBodyFeature? BodyOut { get; set; }

    /// <summary>The trace id as a 32-character hex string, or a W3C <c>traceparent</c> to take it from.</summary>
    public string? Trace { get; set; }

    /// <summary>Writes the record as one JSON object; durations in seconds, unknown values as null.</summary>
    public void WriteTo(Utf8JsonWriter json, TimeProvider time)
    {
        json.WriteStartObject();
        json.WriteString("time", Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        WriteStringOrNull(json, "client", Client?.ToString());
        json.WriteString("method", Method);
        WriteStringOrNull(json, "host", Host);
        WriteStringOrNull(json, "path", Path);
        json.WriteNumber("status", Status);
        WriteStringOrNull(json, "reason", Reason);
        WriteStringOrNull(json, "route", Route);
        WriteStringOrNull(json, "cluster", Cluster);
        WriteStringOrNull(json, "destination", Destination);
        WriteStringOrNull(json, "region", Region);
        json.WriteNumber("attempts", Attempts);
        if (BackendHeadersTimestamp != 0)
        {
            json.WriteNumber("backendHeadersSeconds", Math.Round(time.GetElapsedTime(StartTimestamp, BackendHeadersTimestamp).TotalSeconds, 6));
        }
        else
        {
            json.WriteNull("backendHeadersSeconds");
        }

        json.WriteNumber("totalSeconds", Math.Round(time.GetElapsedTime(StartTimestamp, EndTimestamp).TotalSeconds, 6));
        json.WriteNumber("bytesIn", BodyIn?.Bytes ?? 0);
        json.WriteNumber("bytesOut", BodyOut?.Bytes ?? 0);
        WriteStringOrNull(json, "traceId", TraceId(Trace));
        json.WriteEndObject();
    }

    internal static string? TraceId(string? trace) => trace switch
    {
        { Length: TraceIdLength } => trace,
        { Length: TraceParentLength } when trace[TraceIdOffset - 1] == '-' && trace[TraceIdOffset + TraceIdLength] == '-' =>
            trace.Substring(TraceIdOffset, TraceIdLength),
        _ => null,
    };

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
