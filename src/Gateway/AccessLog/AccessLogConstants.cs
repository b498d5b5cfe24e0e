namespace Gateway.AccessLog;

/// <summary>Defaults and allowed ranges of <c>Gateway:AccessLog</c>, and the route switch.</summary>
internal static class AccessLogConstants
{
    public const string SectionPath = "Gateway:AccessLog";

    /// <summary>A route's <c>Metadata.AccessLog</c>: <c>false</c> leaves the route's requests out of the access log.</summary>
    public const string RouteMetadataKey = "AccessLog";

    public const double DefaultSampleRate = 1;
    public const double MinSampleRate = 0;
    public const double MaxSampleRate = 1;

    // About a second of a busy instance's requests at some 300 bytes a line: enough to ride out a slow disk for a
    // moment, small enough (a few MB) that a stuck writer cannot grow the heap much before lines are dropped.
    public const int DefaultQueueLimit = 10_000;
    public const int MinQueueLimit = 1;
    public const int MaxQueueLimit = 1_000_000;

    // Lines are written in batches up to this size: few system calls under load, and under the 64 KiB a pipe takes
    // in one write so that a batch on stdout does not interleave with the console logger's lines.
    public const int BatchBytes = 32 * 1024;

    // How often the writer looks for a rotated file (two file-system calls): lines go to the new file within about
    // this long after logrotate renames the old one.
    public static readonly TimeSpan RotationCheckInterval = TimeSpan.FromSeconds(1);

    public const string DroppedInstrument = "gateway.accesslog.dropped";
}
