namespace Gateway.Configuration;

/// <summary>A certificate in <c>Kestrel:Endpoints</c>' schema: a PEM certificate and key, or a PKCS#12 (PFX) file.</summary>
public sealed record ListenerCertificateOptions
{
    /// <summary>A PEM certificate (its chain after it) or a PKCS#12 file, relative to the content root. Default none (required).</summary>
    public string? Path { get; init; }

    /// <summary>The PEM key of a PEM <see cref="Path"/>. Default none.</summary>
    public string? KeyPath { get; init; }

    /// <summary>The PFX password, or the passphrase of an encrypted PEM key. Default none.</summary>
    public string? Password { get; init; }
}
