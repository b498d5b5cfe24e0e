using Gateway.Shedding;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Shedding</c>.</summary>
internal static class SheddingValidator
{
    private const string Path = SheddingConstants.SectionPath;

    public static void Validate(SheddingOptions shedding, ConfigErrorList errors)
    {
        errors.RequireRange($"{Path}:MinLimit", shedding.MinLimit, SheddingConstants.LimitFloor, SheddingConstants.LimitCeiling);
        errors.RequireRange($"{Path}:MaxLimit", shedding.MaxLimit, Math.Max(SheddingConstants.LimitFloor, shedding.MinLimit), SheddingConstants.LimitCeiling);
        if (shedding.MinLimit <= shedding.MaxLimit)
        {
            // Otherwise the range is empty and the error above already names the cause.
            errors.RequireRange($"{Path}:InitialLimit", shedding.InitialLimit, Math.Max(SheddingConstants.LimitFloor, shedding.MinLimit), Math.Min(shedding.MaxLimit, SheddingConstants.LimitCeiling));
        }

        errors.RequireRange($"{Path}:QueueLimit", shedding.QueueLimit, SheddingConstants.MinQueueLimit, SheddingConstants.MaxQueueLimit);
        errors.RequireRange($"{Path}:QueueTimeout", shedding.QueueTimeout, SheddingConstants.MinQueueTimeout, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:PacedQueueTimeout", shedding.PacedQueueTimeout, SheddingConstants.MinQueueTimeout, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:CriticalQueueTimeout", shedding.CriticalQueueTimeout, SheddingConstants.MinQueueTimeout, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:StandingQueueWait", shedding.StandingQueueWait, SheddingConstants.MinQueueTimeout, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:StandingQueueInterval", shedding.StandingQueueInterval, SheddingConstants.MinStandingQueueInterval, SheddingConstants.MaxQueueTimeout);
        errors.RequireRange($"{Path}:CriticalReservedFraction", shedding.CriticalReservedFraction, SheddingConstants.MinCriticalReservedFraction, SheddingConstants.MaxCriticalReservedFraction);
        errors.RequireRange($"{Path}:SheddableFraction", shedding.SheddableFraction, SheddingConstants.MinSheddableFraction, SheddingConstants.MaxSheddableFraction);
        errors.RequireRange($"{Path}:Tolerance", shedding.Tolerance, SheddingConstants.MinTolerance, SheddingConstants.MaxTolerance);
        errors.RequireRange($"{Path}:ToleranceFloor", shedding.ToleranceFloor, TimeSpan.Zero, SheddingConstants.MaxToleranceFloor);
        if (double.IsNaN(shedding.Smoothing) || shedding.Smoothing <= SheddingConstants.SmoothingAbove || shedding.Smoothing > SheddingConstants.MaxSmoothing)
        {
            errors.Add($"{Path}:Smoothing", $"must be above {SheddingConstants.SmoothingAbove} and at most {SheddingConstants.MaxSmoothing} (was {shedding.Smoothing}).");
        }

        errors.RequireRange($"{Path}:SampleWindow", shedding.SampleWindow, SheddingConstants.MinSampleWindow, SheddingConstants.MaxSampleWindow);
        errors.RequireRange($"{Path}:BaselineWindow", shedding.BaselineWindow, shedding.SampleWindow, SheddingConstants.MaxBaselineWindow);
        errors.RequireRange($"{Path}:RetryAfterMinSeconds", shedding.RetryAfterMinSeconds, SheddingConstants.MinRetryAfterSeconds, SheddingConstants.MaxRetryAfterSeconds);
        errors.RequireRange($"{Path}:RetryAfterMaxSeconds", shedding.RetryAfterMaxSeconds, shedding.RetryAfterMinSeconds, SheddingConstants.MaxRetryAfterSeconds);
    }
}
