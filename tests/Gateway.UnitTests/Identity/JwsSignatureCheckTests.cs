using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Gateway.Identity;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Identity;

public sealed class JwsSignatureCheckTests
{
    private static readonly string[] s_algorithms = IdentityConstants.AllowedAlgorithms;

    [Theory]
    [InlineData(SecurityAlgorithms.RsaSha256)]
    [InlineData(SecurityAlgorithms.RsaSha512)]
    [InlineData(SecurityAlgorithms.RsaSsaPssSha256)]
    public void Check_RsaTokenSignedByTheKeyItNames_Signed(string algorithm)
    {
        var key = RsaKey("k1");
        var check = new JwsSignatureCheck([PublicPart(key)], s_algorithms);

        Assert.Equal(JwsVerdict.Signed, check.Check(Token(key, algorithm)));
    }

    [Fact]
    public void Check_Es256TokenSignedAndForged_SignedThenForged()
    {
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec" };
        var publicKey = new ECDsaSecurityKey(ECDsa.Create(key.ECDsa.ExportParameters(false))) { KeyId = "ec" };
        var check = new JwsSignatureCheck([publicKey], s_algorithms);
        var token = Token(key, SecurityAlgorithms.EcdsaSha256);

        Assert.Equal(JwsVerdict.Signed, check.Check(token));
        Assert.Equal(JwsVerdict.Forged, check.Check(WithSignature(token, new byte[64])));
    }

    [Fact]
    public void Check_ForgedSignatureNamingAKnownKey_Forged()
    {
        var key = RsaKey("k1");
        var forger = RsaKey("k1");
        var check = new JwsSignatureCheck([PublicPart(key)], s_algorithms);

        Assert.Equal(JwsVerdict.Forged, check.Check(Token(forger, SecurityAlgorithms.RsaSha256)));
        // A random signature of the right length, as the benchmark's flood sends.
        Assert.Equal(JwsVerdict.Forged, check.Check(WithSignature(Token(key, SecurityAlgorithms.RsaSha256), RandomNumberGenerator.GetBytes(256))));
    }

    [Fact]
    public void Check_KeysRotated_NewKeySignedOldKeyForged()
    {
        var old = RsaKey("k1");
        var next = RsaKey("k2");
        var before = new JwsSignatureCheck([PublicPart(old)], s_algorithms);
        var during = new JwsSignatureCheck([PublicPart(old), PublicPart(next)], s_algorithms);
        var after = new JwsSignatureCheck([PublicPart(next)], s_algorithms);

        Assert.Equal(JwsVerdict.Forged, before.Check(Token(next, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(JwsVerdict.Signed, during.Check(Token(old, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(JwsVerdict.Signed, during.Check(Token(next, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(JwsVerdict.Signed, after.Check(Token(next, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(JwsVerdict.Forged, after.Check(Token(old, SecurityAlgorithms.RsaSha256)));
    }

    [Fact]
    public void Check_KidNotInASetWhereSomeKeyHasNone_LeftToTheHandler()
    {
        var named = RsaKey("k1");
        var unnamed = new RsaSecurityKey(RSA.Create(2048));
        var check = new JwsSignatureCheck([PublicPart(named), new RsaSecurityKey(unnamed.Rsa.ExportParameters(false))], s_algorithms);

        // The handler tries every key when the kid matches none, so the unnamed key may have signed it.
        Assert.Equal(JwsVerdict.Undecided, check.Check(Token(RsaKey("k9"), SecurityAlgorithms.RsaSha256)));
    }

    [Fact]
    public void Check_TokenWithoutKid_LeftToTheHandler()
    {
        var key = new RsaSecurityKey(RSA.Create(2048));
        var check = new JwsSignatureCheck([new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = "k1" }], s_algorithms);

        Assert.Equal(JwsVerdict.Undecided, check.Check(Token(key, SecurityAlgorithms.RsaSha256)));
    }

    [Fact]
    public void Check_AlgorithmNotAllowedOrNotTheKeysKind_Forged()
    {
        var key = RsaKey("k1");
        var token = Token(key, SecurityAlgorithms.RsaSha256);

        Assert.Equal(JwsVerdict.Forged, new JwsSignatureCheck([PublicPart(key)], ["ES256"]).Check(token));
        Assert.Equal(JwsVerdict.Forged, new JwsSignatureCheck([PublicPart(key)], s_algorithms).Check(WithHeader(token, """{"alg":"ES256","kid":"k1"}""")));
        Assert.Equal(JwsVerdict.Forged, new JwsSignatureCheck([PublicPart(key)], s_algorithms).Check(WithHeader(token, """{"alg":"none","kid":"k1"}""")));
    }

    [Fact]
    public void Check_SignatureNotCanonicalBase64Url_Forged()
    {
        var key = RsaKey("k1");
        var token = Token(key, SecurityAlgorithms.RsaSha256);
        var check = new JwsSignatureCheck([PublicPart(key)], s_algorithms);

        // 342 characters carry 256 bytes and 4 bits that must be zero; 'B' sets one of them.
        Assert.Equal(JwsVerdict.Forged, check.Check(token[..(token.LastIndexOf('.') + 1)] + new string('A', 341) + "B"));
    }

    [Fact]
    public void Check_HeaderNotJson_LeftToTheHandler()
    {
        var key = RsaKey("k1");
        var check = new JwsSignatureCheck([PublicPart(key)], s_algorithms);

        Assert.Equal(JwsVerdict.Undecided, check.Check(WithHeader(Token(key, SecurityAlgorithms.RsaSha256), "not json")));
    }

    [Fact]
    public void Check_KeysFromAJwksDocument_SignedAndForged()
    {
        var rsa = RsaKey("r1");
        var ec = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)) { KeyId = "e1" };
        var rsaJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(PublicPart(rsa));
        var ecJwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = "e1" });
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(
                new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = rsaJwk.Kid, ["n"] = rsaJwk.N, ["e"] = rsaJwk.E },
                new JsonObject { ["kty"] = "EC", ["use"] = "sig", ["kid"] = ecJwk.Kid, ["crv"] = ecJwk.Crv, ["x"] = ecJwk.X, ["y"] = ecJwk.Y }),
        }.ToJsonString();
        var check = new JwsSignatureCheck([.. new JsonWebKeySet(jwks).GetSigningKeys()], s_algorithms);

        Assert.Equal(JwsVerdict.Signed, check.Check(Token(rsa, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(JwsVerdict.Signed, check.Check(Token(ec, SecurityAlgorithms.EcdsaSha384)));
        Assert.Equal(JwsVerdict.Forged, check.Check(Token(RsaKey("r1"), SecurityAlgorithms.RsaSha256)));
    }

    [Fact]
    public async Task ValidateAsync_ForgedTokenNamingAKnownKey_RefusedAndRemembered_ValidTokenAccepted()
    {
        var key = RsaKey("k1");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new JwtOptions { Issuer = "https://issuer", Audiences = ["api"], JwksFile = "keys.json" };
        var validator = new JwtValidator(options, new JwksKeys("keys.json", [PublicPart(key)], 1), 100, time);
        var forged = Token(RsaKey("k1"), SecurityAlgorithms.RsaSha256);
        var valid = Token(key, SecurityAlgorithms.RsaSha256);

        Assert.Null(await validator.ValidateAsync(forged));
        Assert.True(validator.TryCached(forged, out var refused));
        Assert.Null(refused);
        Assert.Equal("alice", (await validator.ValidateAsync(valid))?.Consumer);
    }

    private static RsaSecurityKey RsaKey(string kid) => new(RSA.Create(2048)) { KeyId = kid };

    private static RsaSecurityKey PublicPart(RsaSecurityKey key) => new(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId };

    private static string Token(SecurityKey key, string algorithm) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "https://issuer",
        Audience = "api",
        Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = new SigningCredentials(key, algorithm),
    });

    private static string WithSignature(string token, byte[] signature) =>
        token[..(token.LastIndexOf('.') + 1)] + Base64UrlEncoder.Encode(signature);

    private static string WithHeader(string token, string header) =>
        Base64UrlEncoder.Encode(header) + token[token.IndexOf('.')..];
}
