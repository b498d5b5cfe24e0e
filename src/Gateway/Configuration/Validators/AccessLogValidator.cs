using Gateway.AccessLog;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:AccessLog</c>.</summary>
internal static class AccessLogValidator
{
    private const string Path = AccessLogConstants.SectionPath;

    public static void Validate(AccessLogOptions accessLog, ConfigErrorList errors)
    {
        if (accessLog.Path is not null && string.IsNullOrWhiteSpace(accessLog.Path))
        {
            errors.Add($"{Path}:Path", "must not be empty; leave it out to write to standard output.");
        }

        errors.RequireRange($"{Path}:SampleRate", accessLog.SampleRate, AccessLogConstants.MinSampleRate, AccessLogConstants.MaxSampleRate);
        if (accessLog.QueueLimit is < AccessLogConstants.MinQueueLimit or > AccessLogConstants.MaxQueueLimit)
        {
            errors.Add($"{Path}:QueueLimit", $"must be between {AccessLogConstants.MinQueueLimit} and {AccessLogConstants.MaxQueueLimit} (was {accessLog.QueueLimit}).");
        }
    }
}
