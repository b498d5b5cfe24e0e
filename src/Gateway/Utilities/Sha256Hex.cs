using System.Security.Cryptography;
using System.Text;

namespace Gateway.Utilities;

/// <summary>Short lowercase-hex SHA-256 digests of text, for keys that must not carry (or be as long as) the text.</summary>
internal static class Sha256Hex
{
    /// <summary>The first <paramref name="bytes"/> bytes (1 to 32) of the SHA-256 of <paramref name="text"/>'s UTF-8, as hex.</summary>
    public static string Of(string text, int bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..bytes]);
    }
}
