using System.Security.Claims;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Gateway.Identity;
using Gateway.RateLimiting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Benchmarks;

/// <summary>
/// What the identity step costs per request (issue 21), beside the rate-limit refusal it is measured against: a bad
/// credential's refusal should cost about what a rate-limit refusal costs. The answer's writing is the same for both
/// and left out.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class IdentityBenchmarks : IDisposable
{
    private const string Key = "acme-key-0123456789";

    private ApiKeyTable _keys = null!;
    private JwtValidator _cached = null!;
    private JwtValidator _uncached = null!;
    private string _token = null!;
    private string _forged = null!;
    private readonly string _garbage = "garbage that is no token at all";
    private LocalRateLimitPolicy _limit = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _keys = ApiKeyTable.From(new Dictionary<string, ConsumerOptions>
        {
            ["acme"] = new() { KeyHashes = [Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key)))] },
        });
        var rsa = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k1" };
        var jwks = new JwksKeys("bench", [new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = "k1" }], 1);
        var options = new JwtOptions { Issuer = "https://issuer", Audiences = ["api"], JwksFile = "bench" };
        _cached = new JwtValidator(options, jwks, 10_000, TimeProvider.System);
        _uncached = new JwtValidator(options, jwks, 0, TimeProvider.System);
        _token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer",
            Audience = "api",
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(rsa, SecurityAlgorithms.RsaSha256),
        });
        // The same header and claims with a signature of the right length that is not the key's.
        _forged = _token[..(_token.LastIndexOf('.') + 1)] + new string('A', _token.Length - _token.LastIndexOf('.') - 1);
        await _cached.ValidateAsync(_token);
        _limit = new LocalRateLimitPolicy("p", new RateLimitPolicyOptions { TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1) }, TimeProvider.System);
        await _limit.AcquireAsync("client", CancellationToken.None);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _limit.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "rate-limit refusal (used-up local bucket)")]
    public async ValueTask<bool> RateLimitRefusalAsync() => (await _limit.AcquireAsync("client", CancellationToken.None)).Allowed;

    [Benchmark(Description = "API key: known")]
    public bool ApiKeyKnown() => _keys.Find(Key) is not null;

    [Benchmark(Description = "API key: unknown (refusal)")]
    public bool ApiKeyUnknown() => _keys.Find("0123456789abcdef0123456789abcdef") is not null;

    [Benchmark(Description = "JWT: cached valid token")]
    public bool JwtCached() => _cached.TryCached(_token, out _);

    [Benchmark(Description = "JWT: malformed token (refusal)")]
    public bool JwtMalformed() => JwtValidator.LooksLikeJws(_garbage);

    [Benchmark(Description = "JWT: RS256 verification, valid (cache miss)")]
    public async Task<bool> JwtVerifyAsync() => await _uncached.ValidateAsync(_token) is not null;

    [Benchmark(Description = "JWT: forged signature (refusal, cache miss)")]
    public async Task<bool> JwtForgedAsync() => await _uncached.ValidateAsync(_forged) is not null;

    [Benchmark(Description = "JWT: forged signature repeated (refusal from the cache)")]
    public bool JwtForgedCached() => _cached.TryCached(_forged, out _);
}
