using Gateway.Shedding;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Shedding</c>.</summary>
internal static class SheddingValidator
{
    private const string Path = SheddingConstants.SectionPath;

    public static void Validate(SheddingOptions shedding, ConfigErrorList errors)
    {
        errors.RequireRange($"{Path}:MinLimit", shedding.MinLimit, 1, SheddingConstants.LimitCeiling);
        errors.RequireRange($"{Path}:MaxLimit", shedding.MaxLimit, Math.Max(1, shedding.MinLimit), SheddingConstants.LimitCeiling);
        if (shedding.MinLimit <= shedding.MaxLimit)
        {
            // Otherwise the range is empty and the error above already names the cause.
            errors.RequireRange($"{Path}:InitialLimit", shedding.InitialLimit, Math.Max(1, shedding.MinLimit), Math.Min(shedding.MaxLimit, SheddingConstants.LimitCeiling));
        }

        errors.RequireRange($"{Path}:QueueLimit", shedding.QueueLimit, 0, SheddingConstants.MaxQueueLimit);
        errors.RequireRange($"{Path}:QueueTimeout", shedding.QueueTimeout, TimeSpan.Zero, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:StandingQueueWait", shedding.StandingQueueWait, TimeSpan.Zero, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:StandingQueueInterval", shedding.StandingQueueInterval, SheddingConstants.MinStandingQueueInterval, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:CriticalReservedFraction", shedding.CriticalReservedFraction, 0, SheddingConstants.MaxCriticalReservedFraction);
        errors.RequireRange($"{Path}:SheddableFraction", shedding.SheddableFraction, 0, 1);
        errors.RequireRange($"{Path}:Tolerance", shedding.Tolerance, 1, SheddingConstants.MaxTolerance);
        if (double.IsNaN(shedding.Smoothing) || shedding.Smoothing <= 0 || shedding.Smoothing > 1)
        {
            errors.Add($"{Path}:Smoothing", $"must be above 0 and at most 1 (was {shedding.Smoothing}).");
        }

        errors.RequireRange($"{Path}:SampleWindow", shedding.SampleWindow, SheddingConstants.MinSampleWindow, SheddingConstants.MaxSampleWindow);
        errors.RequireRange($"{Path}:BaselineWindow", shedding.BaselineWindow, shedding.SampleWindow, SheddingConstants.MaxBaselineWindow);
        errors.RequireRange($"{Path}:RetryAfterMinSeconds", shedding.RetryAfterMinSeconds, 0, SheddingConstants.MaxRetryAfterSeconds);
        errors.RequireRange($"{Path}:RetryAfterMaxSeconds", shedding.RetryAfterMaxSeconds, shedding.RetryAfterMinSeconds, SheddingConstants.MaxRetryAfterSeconds);
    }
}
