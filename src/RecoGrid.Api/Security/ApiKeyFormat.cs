using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RecoGrid.Api.Security;

/// <summary>
/// API keys look like <c>rgk_{16 hex digit id}_{43 character secret}</c>: the id is public (it names the key in lists
/// and logs), the 256-bit secret is shown once and only its SHA-256 is stored.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "rgk_";

    private const int IdLength = 16;
    private const int SecretLength = 43;

    /// <summary>The header that carries an API key.</summary>
    public const string Header = "X-Api-Key";

    /// <summary>A new random key: its id, the SHA-256 of its secret, and the full key to hand out.</summary>
    public static (string KeyId, string SecretSha256, string Key) Generate()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (id, Hash(secret), $"{Prefix}{id}_{secret}");
    }

    /// <summary>Splits a key into id and secret; false when it does not have the shape of a key.</summary>
    public static bool TryParse(string? key, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (key is null || key.Length != Prefix.Length + IdLength + 1 + SecretLength || !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        keyId = key.Substring(Prefix.Length, IdLength);
        secret = key[(Prefix.Length + IdLength + 1)..];
        return keyId.All(char.IsAsciiHexDigitLower) && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    /// <summary>Whether <paramref name="secret"/> hashes to <paramref name="secretSha256"/> (constant time).</summary>
    public static bool Matches(string secret, string secretSha256)
    {
        var expected = Encoding.ASCII.GetBytes(secretSha256);
        var actual = Encoding.ASCII.GetBytes(Hash(secret));
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
