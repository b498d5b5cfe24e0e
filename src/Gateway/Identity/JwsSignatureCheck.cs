using System.Buffers;
using System.Buffers.Text;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>What <see cref="JwsSignatureCheck"/> found.</summary>
internal enum JwsVerdict
{
    /// <summary>It cannot tell (no <c>kid</c>, a key it cannot use): the token handler decides alone.</summary>
    Undecided,

    /// <summary>The signature is the named key's: the token handler still checks everything else.</summary>
    Signed,

    /// <summary>Refused: the signature is not the named key's, or the header names a key or algorithm not allowed.</summary>
    Forged,
}

/// <summary>
/// Checks a compact JWS's signature against the key its header's <c>kid</c> names, with the platform's RSA and ECDSA,
/// before <see cref="Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler"/> sees the token. A forged token is
/// then refused by a few small methods and one native verify, without the handler's failure path: that path throws
/// and catches three exceptions per token and runs hundreds of library methods, and since the failed-verification
/// budget lets only a few forged tokens a second reach it, its code stays unoptimised for tens of seconds of a flood,
/// its JIT compilations taking CPU from every other request (issue 21: the valid clients' p99 at 32 connections under
/// a flood of forged tokens). A token it finds signed is verified again, fully, by the handler: it only refuses, it
/// never accepts.
/// </summary>
/// <remarks>
/// One instance per key set, immutable; the RSA and ECDSA objects are shared by concurrent checks, which only read
/// them. A token naming a <c>kid</c> the set does not hold is refused (the handler would try every key: a token
/// signed by one key but naming another is refused here rather than accepted).
/// </remarks>
internal sealed class JwsSignatureCheck
{
    // A JOSE header is a few dozen bytes; a longer one is left to the handler rather than decoded on the stack.
    private const int MaxHeaderChars = 1024;

    // RSA 8192 bits; ES512 is 132 bytes.
    private const int MaxSignatureBytes = 1024;

    private const int StackDataBytes = 1024;

    private readonly FrozenDictionary<string, AsymmetricAlgorithm?[]> _keys;
    private readonly FrozenSet<string> _algorithms;

    // Whether every key has a kid: only then does a kid the set does not hold mean no key can have signed the token.
    private readonly bool _everyKeyNamed;

    public JwsSignatureCheck(IReadOnlyList<SecurityKey> keys, IReadOnlyList<string> algorithms)
    {
        var byKid = new Dictionary<string, List<AsymmetricAlgorithm?>>(StringComparer.Ordinal);
        _everyKeyNamed = true;
        foreach (var key in keys)
        {
            if (string.IsNullOrEmpty(key.KeyId))
            {
                _everyKeyNamed = false;
                continue;
            }

            if (!byKid.TryGetValue(key.KeyId, out var list))
            {
                byKid[key.KeyId] = list = [];
            }

            // Null when the key is of a kind this does not check: tokens naming it are left to the handler.
            list.Add(PublicKey(key));
        }

        _keys = byKid.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        _algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Checks <paramref name="token"/>, three base64url parts (<see cref="JwtValidator.LooksLikeJws"/>).</summary>
    public JwsVerdict Check(ReadOnlySpan<char> token)
    {
        var firstDot = token.IndexOf('.');
        var lastDot = token.LastIndexOf('.');
        if (firstDot <= 0 || lastDot <= firstDot || firstDot > MaxHeaderChars)
        {
            return JwsVerdict.Undecided;
        }

        Span<byte> header = stackalloc byte[Base64Url.GetMaxDecodedLength(MaxHeaderChars)];
        if (!TryDecode(token[..firstDot], header, out var headerLength) ||
            !TryReadHeader(header[..headerLength], out var algorithm, out var kid))
        {
            // The handler refuses a header that is not base64url JSON as well; it is left to say so.
            return JwsVerdict.Undecided;
        }

        if (kid is null)
        {
            return JwsVerdict.Undecided;
        }

        if (algorithm is null || !_algorithms.Contains(algorithm))
        {
            return JwsVerdict.Forged;
        }

        if (!_keys.TryGetValue(kid, out var candidates))
        {
            return _everyKeyNamed ? JwsVerdict.Forged : JwsVerdict.Undecided;
        }

        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        if (!TryDecode(token[(lastDot + 1)..], signature, out var signatureLength))
        {
            return JwsVerdict.Forged;
        }

        Span<byte> hash = stackalloc byte[64];
        if (!TryHash(algorithm, token[..lastDot], hash, out var hashLength, out var hashName))
        {
            return JwsVerdict.Undecided;
        }

        foreach (var key in candidates)
        {
            switch (Verify(key, algorithm, hashName, hash[..hashLength], signature[..signatureLength]))
            {
                case JwsVerdict.Signed:
                    return JwsVerdict.Signed;
                case JwsVerdict.Undecided:
                    return JwsVerdict.Undecided;
            }
        }

        return JwsVerdict.Forged;
    }

    /// <summary>
    /// Strict base64url, without exceptions (<see cref="Base64Url.TryDecodeFromChars(ReadOnlySpan{char}, Span{byte}, out int)"/>
    /// throws on bad input, such as a last character with bits set that encode nothing).
    /// </summary>
    private static bool TryDecode(ReadOnlySpan<char> base64Url, Span<byte> destination, out int written) =>
        Base64Url.DecodeFromChars(base64Url, destination, out _, out written) == OperationStatus.Done;

    private static JwsVerdict Verify(AsymmetricAlgorithm? key, string algorithm, HashAlgorithmName hashName, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        switch (key)
        {
            case RSA rsa when algorithm[0] is 'R' or 'P':
                var padding = algorithm[0] == 'R' ? RSASignaturePadding.Pkcs1 : RSASignaturePadding.Pss;
                return signature.Length == (rsa.KeySize + 7) / 8 && rsa.VerifyHash(hash, signature, hashName, padding)
                    ? JwsVerdict.Signed
                    : JwsVerdict.Forged;
            case ECDsa ecdsa when algorithm[0] == 'E':
                // IEEE P1363 (r || s), the JWS encoding and .NET's default.
                return signature.Length == 2 * ((ecdsa.KeySize + 7) / 8) && ecdsa.VerifyHash(hash, signature)
                    ? JwsVerdict.Signed
                    : JwsVerdict.Forged;
            case RSA or ECDsa:
                // An RSA key cannot have made an ES signature, nor an EC key an RS or PS one.
                return JwsVerdict.Forged;
            default:
                return JwsVerdict.Undecided;
        }
    }

    private static bool TryHash(string algorithm, ReadOnlySpan<char> signed, Span<byte> hash, out int length, out HashAlgorithmName name)
    {
        name = algorithm.AsSpan(2) switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            "512" => HashAlgorithmName.SHA512,
            _ => default,
        };
        length = 0;
        if (name == default)
        {
            return false;
        }

        // The signed part is base64url and dots, ASCII: one byte a char.
        byte[]? rented = null;
        var data = signed.Length <= StackDataBytes
            ? stackalloc byte[StackDataBytes]
            : (rented = ArrayPool<byte>.Shared.Rent(signed.Length));
        try
        {
            var written = Encoding.ASCII.GetBytes(signed, data);
            length = CryptographicOperations.HashData(name, data[..written], hash);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The header's <c>alg</c> and <c>kid</c>; false when it is not a JSON object.</summary>
    private static bool TryReadHeader(ReadOnlySpan<byte> json, out string? algorithm, out string? kid)
    {
        algorithm = null;
        kid = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isAlg = reader.ValueTextEquals("alg"u8);
                var isKid = !isAlg && reader.ValueTextEquals("kid"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if ((isAlg || isKid) && reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                if (isAlg)
                {
                    algorithm = reader.GetString();
                }
                else if (isKid)
                {
                    kid = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The platform key of <paramref name="key"/>, or null when it is not an RSA or EC public key it can read.</summary>
    private static AsymmetricAlgorithm? PublicKey(SecurityKey key)
    {
        try
        {
            switch (key)
            {
                case RsaSecurityKey rsa:
                    return rsa.Rsa ?? RSA.Create(rsa.Parameters);
                case ECDsaSecurityKey ecdsa:
                    return ecdsa.ECDsa;
                case X509SecurityKey x509:
                    return (AsymmetricAlgorithm?)x509.Certificate.GetRSAPublicKey() ?? x509.Certificate.GetECDsaPublicKey();
                case JsonWebKey { Kty: JsonWebAlgorithmsKeyTypes.RSA, N: { Length: > 0 } n, E: { Length: > 0 } e }:
                    return RSA.Create(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(n), Exponent = Base64UrlEncoder.DecodeBytes(e) });
                case JsonWebKey { Kty: JsonWebAlgorithmsKeyTypes.EllipticCurve, X: { Length: > 0 } x, Y: { Length: > 0 } y } jwk when Curve(jwk.Crv) is { } curve:
                    return ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(x), Y = Base64UrlEncoder.DecodeBytes(y) } });
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static ECCurve? Curve(string? crv) => crv switch
    {
        "P-256" => ECCurve.NamedCurves.nistP256,
        "P-384" => ECCurve.NamedCurves.nistP384,
        "P-521" => ECCurve.NamedCurves.nistP521,
        _ => null,
    };
}
