using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>
/// The admin key rule checked against the admin listeners bound at start-up, not the URLs a reloaded file names:
/// <c>Gateway:Admin:Urls</c> takes effect only after a restart, so a reload that moves it to loopback and drops
/// <c>ApiKey</c> would otherwise leave a non-loopback listener open without a key.
/// </summary>
internal static class BoundAdminListenerValidator
{
    public const string Path = GatewayOptions.SectionName + ":Admin:ApiKey";

    public static void Validate(AdminOptions admin, GatewayListeners bound, ConfigErrorList errors)
    {
        if (!string.IsNullOrEmpty(admin.ApiKey))
        {
            return;
        }

        foreach (var listener in bound.Admin)
        {
            if (!listener.IsLoopback)
            {
                errors.Add(Path, $"is required: the admin listener bound at start-up, {listener.Url}, is not a loopback address (a change to Gateway:Admin:Urls takes effect only after a restart).");
                return;
            }
        }
    }
}
