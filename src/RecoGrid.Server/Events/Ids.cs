namespace RecoGrid.Server.Events;

/// <summary>The rule every user, item and category id must pass, everywhere.</summary>
public static class Ids
{
    /// <summary>Longest user or item id.</summary>
    public const int MaxLength = 256;

    /// <summary>Checks an id: 1..256 printable characters, not only spaces. Returns the reason, or null when valid.</summary>
    public static string? Check(string? id)
    {
        if (id is null)
        {
            return "is required";
        }

        if (id.Length == 0 || id.Length > MaxLength)
        {
            return $"must be 1 to {MaxLength} characters long (got {id.Length})";
        }

        if (string.IsNullOrWhiteSpace(id))
        {
            return "must not be only whitespace";
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsControl(c))
            {
                return $"must contain only printable characters (control character U+{(int)c:X4} at position {i})";
            }

            if (char.IsHighSurrogate(c) ? i + 1 >= id.Length || !char.IsLowSurrogate(id[++i]) : char.IsLowSurrogate(c))
            {
                return $"contains an unpaired surrogate at position {i}";
            }
        }

        return null;
    }
}
