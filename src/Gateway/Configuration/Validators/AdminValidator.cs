using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>
/// Rules for <c>Gateway:Admin</c>. The certificate files themselves are loaded and checked with the listeners at
/// start (<see cref="GatewayListeners"/>), where the content root is known; here only what the keys say.
/// </summary>
internal static class AdminValidator
{
    private const string Path = GatewayOptions.SectionName + ":Admin";

    public static void Validate(AdminOptions admin, ConfigErrorList errors)
    {
        var listeners = ListenerAddress.ParseList(admin.Urls, out var urlError, allowHttps: true);
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

        ValidateTls(admin, listeners, errors);
    }

    private static void ValidateTls(AdminOptions admin, IReadOnlyList<ListenerAddress> listeners, ConfigErrorList errors)
    {
        var https = listeners.FirstOrDefault(l => l.Https);
        if (https is not null && admin.Certificate is null)
        {
            errors.Add($"{Path}:Urls", $"'{https.Url}': an https listener needs a certificate; give it as {Path}:Certificate.");
        }

        if (https is null && admin.HasTls)
        {
            errors.Add(
                admin.Certificate is not null ? $"{Path}:Certificate" : $"{Path}:SslProtocols",
                "applies to https:// admin URLs only; Gateway:Admin:Urls has none.");
        }

        if (admin.Certificate is { } certificate && string.IsNullOrWhiteSpace(certificate.Path))
        {
            errors.Add($"{Path}:Certificate:Path", "is required.");
        }
    }
}
