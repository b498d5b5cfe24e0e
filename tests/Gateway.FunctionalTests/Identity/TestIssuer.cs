using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SampleBackend;

namespace Gateway.FunctionalTests.Identity;

/// <summary>
/// A JWT issuer for tests: RSA keys generated here, tokens signed with them, and the public keys served as a JWKS on
/// a loopback Kestrel endpoint, which a test can rotate or make fail.
/// </summary>
internal sealed class TestIssuer : IAsyncDisposable
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "orders-api";

    private readonly WebApplication _app;
    private volatile string _jwks = "{\"keys\":[]}";
    private volatile bool _failing;

    private TestIssuer(WebApplication app, Uri url)
    {
        _app = app;
        JwksUrl = url;
    }

    public Uri JwksUrl { get; }

    public int Fetches;

    public static async Task<TestIssuer> StartAsync(params RsaSecurityKey[] keys)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var issuer = new TestIssuer(app, new Uri($"http://127.0.0.1:{port}/jwks"));
        app.MapGet("/jwks", (HttpContext context) =>
        {
            Interlocked.Increment(ref issuer.Fetches);
            return issuer._failing ? Results.StatusCode(500) : Results.Text(issuer._jwks, "application/json");
        });
        issuer.Publish(keys);
        await app.StartAsync();
        return issuer;
    }

    public static RsaSecurityKey NewKey(string kid) => new(RSA.Create(2048)) { KeyId = kid };

    /// <summary>Serves exactly these public keys from now on.</summary>
    public void Publish(params RsaSecurityKey[] keys) => _jwks = Jwks(keys);

    /// <summary>A JWKS document of these keys' public parts.</summary>
    public static string Jwks(params RsaSecurityKey[] keys)
    {
        var array = new JsonArray();
        foreach (var key in keys)
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            array.Add(new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = jwk.Kid, ["n"] = jwk.N, ["e"] = jwk.E });
        }

        return new JsonObject { ["keys"] = array }.ToJsonString();
    }

    /// <summary>While set, the JWKS endpoint answers 500.</summary>
    public void Fail(bool failing) => _failing = failing;

    public static string Token(RsaSecurityKey key, string subject, string audience = Audience, TimeSpan? lifetime = null, DateTime? notBefore = null, params Claim[] claims)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), .. claims]),
            IssuedAt = (notBefore ?? now) < expires ? notBefore ?? now : expires.AddMinutes(-1),
            NotBefore = (notBefore ?? now) < expires ? notBefore ?? now : expires.AddMinutes(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Route <c>api</c> requires policy <c>jwt</c> (with <paramref name="requiredClaims"/>); keys from this issuer.</summary>
    public JsonObject Config(IEnumerable<BackendInstance> instances, string refresh = "00:00:01", params string[] requiredClaims)
    {
        var config = TestConfig.SingleCluster(instances);
        config["ReverseProxy"]!["Routes"]!["api"]!["AuthorizationPolicy"] = "jwt";
        var claims = new JsonArray();
        foreach (var claim in requiredClaims)
        {
            claims.Add(claim);
        }

        config["Gateway"] = new JsonObject
        {
            ["Identity"] = new JsonObject
            {
                ["Jwt"] = new JsonObject
                {
                    ["Issuer"] = Issuer,
                    ["Audiences"] = new JsonArray(Audience),
                    [nameof(JwksUrl)] = JwksUrl.ToString(),
                    ["JwksRefreshInterval"] = refresh,
                    ["ClockSkew"] = "00:00:05",
                },
                ["Policies"] = new JsonObject { ["jwt"] = new JsonObject { ["Scheme"] = "Jwt", ["RequiredClaims"] = claims } },
            },
        };
        return config;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
