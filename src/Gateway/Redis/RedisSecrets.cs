namespace Gateway.Redis;

/// <summary>
/// Hides the credentials of a StackExchange.Redis connection string (<c>user</c>, <c>password</c>,
/// <c>sentinelUser</c>, <c>sentinelPassword</c>) wherever the gateway shows or logs the string or text about it:
/// validation errors (so the log, <c>validate</c> and <c>/admin/config</c>'s last reload) and the effective config.
/// </summary>
internal static class RedisSecrets
{
    public const string Redacted = "(redacted)";

    private static readonly string[] s_credentialKeys = ["user", "password", "sentinelUser", "sentinelPassword"];

    /// <summary>
    /// The connection string with each credential's value replaced by <see cref="Redacted"/>, everything else as
    /// written. It is split the way StackExchange.Redis splits it (commas, then the first <c>=</c>), so it need not
    /// parse.
    /// </summary>
    public static string Redact(string configuration)
    {
        var options = configuration.Split(',');
        for (var i = 0; i < options.Length; i++)
        {
            if (CredentialValue(options[i], out var equals) is not null)
            {
                options[i] = options[i][..(equals + 1)] + Redacted;
            }
        }

        return string.Join(',', options);
    }

    /// <summary><paramref name="text"/> (a parser's message, say) with every credential value of <paramref name="configuration"/> replaced.</summary>
    public static string Redact(string text, string configuration)
    {
        foreach (var option in configuration.Split(','))
        {
            if (CredentialValue(option, out _) is { Length: > 0 } secret)
            {
                text = text.Replace(secret, Redacted, StringComparison.Ordinal);
            }
        }

        return text;
    }

    private static string? CredentialValue(string option, out int equals)
    {
        equals = option.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        var key = option.AsSpan(0, equals).Trim();
        foreach (var credential in s_credentialKeys)
        {
            if (key.Equals(credential, StringComparison.OrdinalIgnoreCase))
            {
                return option[(equals + 1)..].Trim();
            }
        }

        return null;
    }
}
