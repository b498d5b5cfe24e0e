using Gateway.Shutdown;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Shutdown</c>.</summary>
internal static class ShutdownValidator
{
    private const string Path = ShutdownConstants.SectionPath;

    public static void Validate(ShutdownOptions shutdown, ConfigErrorList errors)
    {
        errors.RequireRange($"{Path}:DrainDelay", shutdown.DrainDelay, ShutdownConstants.MinDrainDelay, ShutdownConstants.MaxDrainDelay);
        errors.RequireRange($"{Path}:Timeout", shutdown.Timeout, ShutdownConstants.MinTimeout, ShutdownConstants.MaxTimeout);
    }
}
