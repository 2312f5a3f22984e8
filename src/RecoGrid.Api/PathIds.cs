using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>
/// Ids in URL paths: an id under the rule (<see cref="Ids"/>) as it is, or, with <c>?idEncoding=base64url</c>, the
/// base64url of any stored id's UTF-8 bytes, so that ids stored before the rule can still be read and erased.
/// </summary>
public static class PathIds
{
    /// <summary>Resolves a path id to the id to address; returns the reason it is invalid, or null.</summary>
    public static string? Resolve(string raw, string? idEncoding, out string id)
    {
        id = raw;
        if (idEncoding is null)
        {
            if (Ids.Check(raw) is { } problem)
            {
                return problem;
            }

            id = Ids.Normalize(raw);
            return null;
        }

        if (!string.Equals(idEncoding, Ids.Base64UrlEncoding, StringComparison.Ordinal))
        {
            return $"idEncoding must be '{Ids.Base64UrlEncoding}' when given (got '{Truncate(idEncoding)}')";
        }

        return Ids.TryDecodeBase64Url(raw, out id, out var decodeProblem) ? null : $"with idEncoding=base64url {decodeProblem}";
    }

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
