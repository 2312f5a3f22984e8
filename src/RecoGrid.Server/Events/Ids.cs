using System.Globalization;
using System.Text;

namespace RecoGrid.Server.Events;

/// <summary>
/// The one rule for user, item and event ids, everywhere: after NFC normalization 1..256 characters (UTF-16 code units;
/// event ids up to 128), not only whitespace, no control or format characters (zero-width, bidi controls, BOM), no
/// unpaired surrogate, no <c>/</c>, and not <c>.</c> or <c>..</c>. Such an id is always addressable in a URL path, so
/// every id that is accepted can be read and erased. Ids are stored in their NFC form, so look-alike spellings of one
/// id are one id. Categories and property keys (<see cref="CheckLabel"/>) follow the same rule but may contain <c>/</c>.
/// </summary>
public static class Ids
{
    /// <summary>Longest user or item id.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// The value of the <c>idEncoding</c> query parameter that addresses an id by the base64url (RFC 4648 §5, no
    /// padding) of its UTF-8 bytes: the escaped form that reaches ids stored before this rule (with <c>/</c>, control or
    /// format characters, or equal to <c>.</c> or <c>..</c>) for reading and erasure.
    /// </summary>
    public const string Base64UrlEncoding = "base64url";

    /// <summary>Whether this process can normalize Unicode (it cannot when .NET runs in invariant globalization mode without ICU).</summary>
    public static bool NormalizationAvailable { get; } = string.Equals("e\u0301".Normalize(NormalizationForm.FormC), "\u00e9", StringComparison.Ordinal);

    /// <summary>The stored form of a valid id: its NFC normalization (ids with unpaired surrogates are returned as they are).</summary>
    public static string Normalize(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (IsAscii(id) || HasUnpairedSurrogate(id) >= 0)
        {
            return id;
        }

        return id.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Checks a user or item id. Returns the reason it is invalid, or null when it is valid.</summary>
    public static string? Check(string? id) => Check(id, MaxLength);

    /// <summary>Checks an id against the rule with another length limit (event ids: 128).</summary>
    public static string? Check(string? id, int maxLength)
    {
        if (CheckCharacters(id, maxLength) is { } problem)
        {
            return problem;
        }

        if (id!.Contains('/', StringComparison.Ordinal))
        {
            return $"must not contain '/' (at position {id.IndexOf('/', StringComparison.Ordinal)})";
        }

        return id is "." or ".." ? "must not be '.' or '..'" : null;
    }

    /// <summary>Checks a category or property key: the id rule, except that '/' and dots are allowed.</summary>
    public static string? CheckLabel(string? label) => CheckCharacters(label, MaxLength);

    /// <summary>
    /// Decodes the escaped form of an id (<see cref="Base64UrlEncoding"/>): any UTF-8 id up to 1024 bytes, with no
    /// normalization, so ids stored before the rule are reached exactly as they were written.
    /// </summary>
    public static bool TryDecodeBase64Url(string encoded, out string id, out string? problem)
    {
        id = "";
        problem = null;
        if (encoded.Length == 0 || encoded.Length > 1400)
        {
            problem = "must be the base64url of 1 to 1024 UTF-8 bytes";
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = System.Buffers.Text.Base64Url.DecodeFromChars(encoded);
        }
        catch (FormatException)
        {
            problem = "is not valid base64url (RFC 4648 §5, '-' and '_', no padding needed)";
            return false;
        }

        if (bytes.Length is 0 or > 1024)
        {
            problem = "must be the base64url of 1 to 1024 UTF-8 bytes";
            return false;
        }

        try
        {
            id = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            problem = "does not decode to valid UTF-8";
            return false;
        }
    }

    private static string? CheckCharacters(string? id, int maxLength)
    {
        if (id is null)
        {
            return "is required";
        }

        if (HasUnpairedSurrogate(id) is >= 0 and var surrogate)
        {
            return $"contains an unpaired surrogate at position {surrogate}";
        }

        var normalized = Normalize(id);
        if (normalized.Length == 0 || normalized.Length > maxLength)
        {
            return $"must be 1 to {maxLength} characters long after NFC normalization (got {normalized.Length})";
        }

        if (string.IsNullOrWhiteSpace(normalized))
        {
            return "must not be only whitespace";
        }

        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            if (char.IsControl(c))
            {
                return $"must contain only printable characters (control character U+{(int)c:X4} at position {i})";
            }

            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && CharUnicodeInfo.GetUnicodeCategory(normalized, i) == UnicodeCategory.Format)
                {
                    return $"must not contain format characters (U+{char.ConvertToUtf32(c, normalized[i + 1]):X} at position {i})";
                }

                continue;
            }

            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                return $"must not contain format characters such as zero-width, bidi or byte-order marks (U+{(int)c:X4} at position {i})";
            }
        }

        return null;
    }

    private static bool IsAscii(string id)
    {
        foreach (var c in id)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    // Position of the first unpaired surrogate, or -1.
    private static int HasUnpairedSurrogate(string id)
    {
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= id.Length || !char.IsLowSurrogate(id[i + 1]))
                {
                    return i;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }
}
