using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Admin</c>.</summary>
internal static class AdminValidator
{
    private const string Path = GatewayOptions.SectionName + ":Admin";

    public static void Validate(AdminOptions admin, ConfigErrorList errors)
    {
        var listeners = ListenerAddress.ParseList(admin.Urls, out var urlError);
        if (listeners is null)
        {
            errors.Add($"{Path}:Urls", urlError!);
            return;
        }

        if (admin.ApiKey is not null && admin.ApiKey.Length < AdminOptions.MinApiKeyLength)
        {
            errors.Add($"{Path}:ApiKey", $"must be at least {AdminOptions.MinApiKeyLength} characters long.");
        }

        if (string.IsNullOrEmpty(admin.ApiKey) && listeners.Any(l => !l.IsLoopback))
        {
            errors.Add($"{Path}:ApiKey", "is required when Gateway:Admin:Urls binds a non-loopback address.");
        }
    }
}
